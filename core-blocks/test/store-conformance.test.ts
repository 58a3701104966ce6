import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as store from "../src/store/index.js";
import { describeBlockStore } from "../src/testing/index.js";

const api = { describe, it, expect, beforeEach, afterEach };

describeBlockStore(
  api,
  async () => {
    const folder = mkdtempSync(join(tmpdir(), "tessera-conformance-"));
    const sqlite = await store.openSqliteStore({ path: join(folder, "tessera.db") });
    return {
      store: sqlite,
      cleanup: async () => {
        await sqlite.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
  { name: "SQLite store conformance", watch: true },
);

describeBlockStore(api, async () => ({ store: store.createMemoryStore() }), {
  name: "memory store conformance",
  watch: true,
});

describe("the conformance suite under node:test", () => {
  it("runs unchanged with node:test's hooks and an expect made from node:assert", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        "--test",
        "--test-reporter=tap",
        "test/fixtures/conformance-node-test.ts",
      ],
      { cwd: fileURLToPath(new URL("..", import.meta.url)) },
    );
    const count = (label: string) =>
      Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(stdout)?.[1]);
    expect(count("tests")).toBeGreaterThan(60);
    expect(count("pass")).toBe(count("tests"));
    expect(stdout).toMatch(/^# fail 0$/m);
  });
});
