import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  { name: "SQLite store conformance" },
);

describeBlockStore(api, async () => ({ store: store.createMemoryStore() }), {
  name: "memory store conformance",
});
