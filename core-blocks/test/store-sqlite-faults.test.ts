import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreWriteFailedError } from "../src/errors/index.js";
import { openSqliteStore } from "../src/store/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "..");
const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-sqlite-faults-"));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe("a disk that fills up", () => {
  it("fails the write with STORE_WRITE_FAILED naming the file, and keeps every acknowledged save", async () => {
    const path = join(folder, "tessera.db");
    // A 1 MiB file size limit (in 512-byte blocks for sh), with SIGXFSZ ignored so that a write
    // past it fails with EFBIG like a full disk, instead of killing the process.
    const script = `trap '' XFSZ; ulimit -f 2048; exec "${process.execPath}" --import tsx "${join(here, "fixtures", "disk-full-writer.ts")}" "${path}"`;
    const { stdout } = await promisify(execFile)("sh", ["-c", script], {
      cwd: packageRoot,
      timeout: 120_000,
    });
    const { acknowledged, failure } = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      acknowledged: string[];
      failure?: { code?: string; message: string };
    };
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(failure?.code).toBe(StoreWriteFailedError.code);
    expect(failure?.message).toContain(path);
    expect(failure?.message).toContain("Free disk space");

    const database = new Database(path);
    expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
    database.close();
    const store = await openSqliteStore({ path });
    const listed = await store.list({ type: "bucket", limit: 100_000 });
    expect(new Set(listed.items.map((item) => item.name))).toEqual(new Set(acknowledged));
    // With room again, writing works.
    await store.setMeta("after-the-disk-filled", "yes");
    expect(await store.getMeta("after-the-disk-filled")).toBe("yes");
    await store.close();
  });
});
