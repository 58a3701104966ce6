import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  StoreCorruptedError,
  StoreReadOnlyError,
  StoreUnavailableError,
  StoreWriteFailedError,
  TesseraError,
} from "../src/errors/index.js";
import { getDefaultStore, openSqliteStore, setDefaultStore } from "../src/store/index.js";

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

/** A document for `store.put`. */
function bucket(name: string, data: Record<string, unknown> = { bucketName: name }) {
  return {
    id: crypto.randomUUID(),
    type: "bucket",
    name,
    data: data as never,
    schemaChecksum: "sha256:test",
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
  };
}

/** The `TesseraError` a promise rejects with (the test fails on anything else). */
async function failureOf(promise: Promise<unknown>): Promise<TesseraError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(TesseraError.isInstance(error), String(error)).toBe(true);
  return error as TesseraError;
}

/**
 * A command line that runs `node args…` as a process that file permissions stop: as root (whom
 * permissions do not stop), root without the capabilities that override them (`setpriv`), so the
 * child can still read the repository wherever it is checked out; otherwise as this user.
 */
function withoutPermissionOverrides(args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [process.execPath, args];
  const dropped = "-dac_override,-dac_read_search";
  return [
    "setpriv",
    [`--inh-caps=${dropped}`, `--bounding-set=${dropped}`, process.execPath, ...args],
  ];
}

/** Runs the read-only fixture against `path` as a process that may not write it. */
async function readAsOtherUser(path: string): Promise<Record<string, unknown>> {
  const fixture = join(here, "fixtures", "read-only-reader.ts");
  const [command, args] = withoutPermissionOverrides(["--import", "tsx", fixture, path]);
  const { stdout } = await promisify(execFile)(command, args, {
    cwd: packageRoot,
    timeout: 60_000,
    env: { ...process.env, HOME: folder },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

describe("a store this process can read but not write", () => {
  it("is listed and loaded read-only, and a write fails with STORE_READ_ONLY naming the file", async () => {
    const storeFolder = join(folder, "home");
    const path = join(storeFolder, "tessera.db");
    const store = await openSqliteStore({ path });
    await store.put(bucket("kept"));
    await store.close();
    // The file and its folder are read-only, for their owner too.
    chmodSync(folder, 0o755);
    chmodSync(storeFolder, 0o555);
    chmodSync(path, 0o444);
    try {
      const seen = await readAsOtherUser(path);
      expect(seen.open).toBeUndefined();
      expect(seen.readOnly).toBe(true);
      expect(seen.listed).toEqual(["bucket/kept"]);
      expect(seen.data).toEqual({ bucketName: "kept" });
      for (const attempt of [seen.write, seen.meta] as Array<{ code: string; message: string }>) {
        expect(attempt.code).toBe(StoreReadOnlyError.code);
        expect(attempt.message).toContain(path);
      }
    } finally {
      chmodSync(storeFolder, 0o700);
    }
  });

  it("is read through its -wal index when only the file is read-only", async () => {
    const storeFolder = join(folder, "shared");
    const path = join(storeFolder, "tessera.db");
    const store = await openSqliteStore({ path });
    await store.put(bucket("kept"));
    await store.close();
    chmodSync(folder, 0o755);
    chmodSync(path, 0o444);
    const seen = await readAsOtherUser(path);
    expect(seen.readOnly).toBe(true);
    expect(seen.listed).toEqual(["bucket/kept"]);
    expect((seen.write as { code: string }).code).toBe(StoreReadOnlyError.code);
  });

  it("is opened for writing as before when the user may write it", async () => {
    const store = await openSqliteStore({ path: join(folder, "tessera.db") });
    expect(store.readOnly).toBe(false);
    await store.put(bucket("written"));
    await store.close();
  });
});

describe("a damaged store", () => {
  it("refuses a file of garbage bytes with STORE_CORRUPTED naming the file and .recover", async () => {
    const path = join(folder, "tessera.db");
    writeFileSync(path, Buffer.from("this is not a database, just some text ".repeat(200)));
    const error = await failureOf(openSqliteStore({ path }));
    expect(error.code).toBe(StoreCorruptedError.code);
    expect(error.message).toContain(path);
    expect(error.message).toContain(".recover");
    expect(error.message).toContain("backup");
  });

  it("reports a row of invalid JSON as STORE_CORRUPTED naming the document, and reads the others", async () => {
    const path = join(folder, "tessera.db");
    const store = await openSqliteStore({ path });
    await store.put(bucket("broken", { bucketName: "secret-bucket-name" }));
    await store.put(bucket("fine"));
    const raw = new Database(path);
    raw
      .prepare(
        "UPDATE revisions SET data = '{\"bucketName\": \"secret-bucket-name' WHERE document_id = (SELECT id FROM documents WHERE name = 'broken')",
      )
      .run();
    raw.close();
    const error = await failureOf(store.get({ type: "bucket", name: "broken" }));
    expect(error.code).toBe(StoreCorruptedError.code);
    expect(error.message).toContain(path);
    expect(error.message).toContain("bucket/broken");
    expect(error.message).not.toContain("secret-bucket-name");
    expect((await store.get({ type: "bucket", name: "fine" }))?.data).toEqual({
      bucketName: "fine",
    });
    expect((await store.list()).items.map((item) => item.name)).toEqual(["broken", "fine"]);
    await store.close();
  });

  it("refuses a 0-byte file beside a key file that holds keys, instead of starting a new store", async () => {
    const path = join(folder, "tessera.db");
    writeFileSync(join(folder, "master.key"), `${Buffer.alloc(32, 7).toString("base64")}\n`, {
      mode: 0o600,
    });
    writeFileSync(path, "");
    const error = await failureOf(openSqliteStore({ path }));
    expect(error.code).toBe(StoreCorruptedError.code);
    expect(error.message).toContain(path);
    expect(error.message).toContain("master.key");
    expect(error.message).toContain("Restore");
  });

  it("opens a 0-byte file as a new store when no key file holds keys", async () => {
    const path = join(folder, "tessera.db");
    writeFileSync(path, "");
    const store = await openSqliteStore({ path });
    await store.put(bucket("first"));
    expect((await store.list()).items).toHaveLength(1);
    await store.close();
  });
});

describe("a TESSERA_HOME that cannot be created", () => {
  it("fails with STORE_UNAVAILABLE naming the file and what to do, not UNEXPECTED", async () => {
    const blocker = join(folder, "not-a-folder");
    writeFileSync(blocker, "a file where the home folder should be");
    const previous = process.env.TESSERA_HOME;
    process.env.TESSERA_HOME = join(blocker, "tessera");
    setDefaultStore(undefined);
    try {
      const error = await failureOf(getDefaultStore());
      expect(error.code).toBe(StoreUnavailableError.code);
      expect(error.message).toContain(join(blocker, "tessera", "tessera.db"));
      expect(error.message).toContain("TESSERA_HOME");
    } finally {
      process.env.TESSERA_HOME = previous;
      setDefaultStore(undefined);
    }
  });

  it("fails with STORE_UNAVAILABLE when this user may not create the folder", async () => {
    const parent = join(folder, "locked");
    mkdirSync(parent, { mode: 0o555 });
    chmodSync(folder, 0o755);
    const path = join(parent, "home", "tessera.db");
    const script = `import("${join(packageRoot, "src/store/index.ts")}").then(({ openSqliteStore }) => openSqliteStore({ path: ${JSON.stringify(path)} })).then(() => console.log("OPENED"), (error) => console.log(JSON.stringify({ code: error.code, message: error.message })));`;
    const [command, args] = withoutPermissionOverrides([
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ]);
    const { stdout } = await promisify(execFile)(command, args, {
      cwd: packageRoot,
      timeout: 60_000,
      env: { ...process.env, HOME: folder },
    });
    const failure = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      code: string;
      message: string;
    };
    expect(failure.code).toBe(StoreUnavailableError.code);
    expect(failure.message).toContain(path);
    expect(failure.message).toContain("EACCES");
  });
});
