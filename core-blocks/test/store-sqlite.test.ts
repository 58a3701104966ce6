import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  StoreBusyError,
  StoreClosedError,
  StoreTooNewError,
} from "../src/errors/index.js";
import { getDefaultStore, openSqliteStore, setDefaultStore } from "../src/store/index.js";
import { migrateSqliteStore, sqliteStoreVersion } from "../src/store/sqlite/migrations.js";

const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

let folder: string;
const savedEnvironment = new Map<string, string | undefined>();
const variables = ["TESSERA_HOME", "TESSERA_DATABASE_URL", "TESSERA_API_URL"];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-sqlite-"));
  for (const name of variables) {
    savedEnvironment.set(name, process.env[name]);
    delete process.env[name];
  }
  // afterEach asks for the default store to close it; without a home of its own that would open
  // (and create) the user's ~/.tessera/tessera.db.
  process.env.TESSERA_HOME = join(folder, "default-home");
});

afterEach(async () => {
  const store = await getDefaultStore().catch(() => undefined);
  await store?.close();
  setDefaultStore(undefined);
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(folder, { recursive: true, force: true });
});

function document(name: string) {
  return {
    id: crypto.randomUUID(),
    type: "bucket",
    name,
    data: { name },
    schemaChecksum: "sha256:test",
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
  };
}

describe("the default store", () => {
  it("creates $TESSERA_HOME/tessera.db, with its folder, on first use", async () => {
    const home = join(folder, "nested", "home");
    process.env.TESSERA_HOME = home;
    const store = await getDefaultStore();
    expect(store.kind).toBe("sqlite");
    expect(store.location).toBe(join(home, "tessera.db"));
    await store.put(document("results"));
    expect(existsSync(join(home, "tessera.db"))).toBe(true);
    // Private to the user, like the key file beside it (WAL files copy the database's mode).
    expect(statSync(join(home, "tessera.db")).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "tessera.db-wal")).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(await getDefaultStore()).toBe(store);
  });

  it("refuses a TESSERA_API_URL that is not an http(s) URL, without showing its value or opening a local file", async () => {
    process.env.TESSERA_HOME = folder;
    process.env.TESSERA_API_URL = "ftp://tessera.internal/?token=hunter2";
    const error = await getDefaultStore().catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    const message = (error as InvalidInputError).message;
    expect(message).toContain("http:// or https://");
    expect(message).not.toContain("hunter2");
    expect(existsSync(join(folder, "tessera.db"))).toBe(false);
  });
});

describe("file permissions", () => {
  /** Opens `path` (then closes it) and returns the process warnings emitted meanwhile. */
  async function warningsWhileOpening(path: string): Promise<Error[]> {
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on("warning", listener);
    try {
      await (await openSqliteStore({ path })).close();
      // process warnings are delivered on the next tick
      await new Promise((resolveTick) => setImmediate(resolveTick));
    } finally {
      process.off("warning", listener);
    }
    return warnings.filter(
      (warning) => (warning as { code?: string }).code === "TESSERA_STORE_PERMISSIONS",
    );
  }

  it("creates a new database file 0600 in a new folder 0700, without a warning", async () => {
    const path = join(folder, "private", "tessera.db");
    expect(await warningsWhileOpening(path)).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(folder, "private")).mode & 0o777).toBe(0o700);
  });

  it("warns once, with the chmod that fixes it, about an existing file other users can read, and still opens it", async () => {
    const path = join(folder, "shared.db");
    const existing = await openSqliteStore({ path });
    await existing.put(document("kept"));
    await existing.close();
    chmodSync(path, 0o644);
    const warnings = await warningsWhileOpening(path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(path);
    expect(warnings[0]!.message).toContain("mode 0644");
    expect(warnings[0]!.message).toContain(`chmod 600 ${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const reopened = await openSqliteStore({ path });
    expect(await reopened.get({ type: "bucket", name: "kept" })).toBeDefined();
    await reopened.close();
    // Once per file and process.
    expect(await warningsWhileOpening(path)).toEqual([]);
  });

  it("says other users can change an existing file that is group or world writable", async () => {
    const path = join(folder, "writable.db");
    await (await openSqliteStore({ path })).close();
    chmodSync(path, 0o666);
    const [warning] = await warningsWhileOpening(path);
    expect(warning?.message).toContain("read and changed by other users");
  });

  it("does not warn about an existing private file", async () => {
    const path = join(folder, "private.db");
    await (await openSqliteStore({ path })).close();
    expect(await warningsWhileOpening(path)).toEqual([]);
  });
});

describe("table migrations", () => {
  it("upgrades a file written by an older version and keeps its documents", async () => {
    const path = join(folder, "old.db");
    const old = new Database(path);
    migrateSqliteStore(old, path, 1);
    expect(old.pragma("user_version", { simple: true })).toBe(1);
    old
      .prepare(
        "INSERT INTO documents (id, type, name, created_at, data_key_master_id, data_key_wrapped) VALUES ('doc-1', 'bucket', 'legacy', '2026-01-01T00:00:00.000Z', 'k1', 'w1')",
      )
      .run();
    old
      .prepare(
        `INSERT INTO revisions (document_id, revision, data, schema_checksum, schema_version, package, reference_ids, operation, restored_from, updated_at)
         VALUES ('doc-1', 1, '{"bucket":"legacy"}', 'sha256:old', '0.9.0', NULL, '[]', 'save', NULL, '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    old.close();

    const store = await openSqliteStore({ path });
    try {
      const loaded = await store.get({ type: "bucket", name: "legacy" });
      expect(loaded?.data).toEqual({ bucket: "legacy" });
      expect(loaded?.dataKey).toEqual({ masterKeyId: "k1", wrapped: "w1" });
      expect(await store.listDataKeys({ notMasterKeyId: "k2" })).toHaveLength(1);
      expect((await store.put({ ...document("legacy"), expectedRevision: 1 })).revision).toBe(2);
    } finally {
      await store.close();
    }
    const reopened = new Database(path, { readonly: true });
    expect(reopened.pragma("user_version", { simple: true })).toBe(sqliteStoreVersion);
    reopened.close();
  });

  it("upgrades a file from before revisions recorded actors, keeping its history with no actor on the old revisions", async () => {
    const path = join(folder, "before-actors.db");
    const old = new Database(path);
    migrateSqliteStore(old, path, 4);
    old
      .prepare(
        "INSERT INTO documents (id, type, name, created_at) VALUES ('doc-1', 'bucket', 'legacy', '2026-01-01T00:00:00.000Z')",
      )
      .run();
    const insertRevision = old.prepare(
      `INSERT INTO revisions (document_id, revision, data, schema_checksum, schema_version, package, reference_ids, operation, restored_from, updated_at)
       VALUES ('doc-1', ?, ?, 'sha256:old', '0.9.0', NULL, '[]', ?, ?, '2026-01-01T00:00:00.000Z')`,
    );
    insertRevision.run(1, '{"bucket":"one"}', "save", null);
    insertRevision.run(2, '{"bucket":"two"}', "save", null);
    insertRevision.run(3, '{"bucket":"one"}', "rollback", 1);
    old.close();
    chmodSync(path, 0o600);

    const store = await openSqliteStore({ path });
    try {
      const ref = { type: "bucket", name: "legacy" };
      const history = await store.history(ref);
      expect(history.map((entry) => [entry.revision, entry.operation, "actor" in entry])).toEqual([
        [3, "rollback", false],
        [2, "save", false],
        [1, "save", false],
      ]);
      const loaded = await store.get(ref, { revision: 2 });
      expect(loaded?.data).toEqual({ bucket: "two" });
      expect(loaded !== undefined && "actor" in loaded).toBe(false);
      const saved = await store.put({
        ...document("legacy"),
        expectedRevision: 3,
        actor: "user:alice",
      });
      expect(saved.actor).toBe("user:alice");
      expect((await store.history(ref)).map((entry) => entry.actor)).toEqual([
        "user:alice",
        undefined,
        undefined,
        undefined,
      ]);
    } finally {
      await store.close();
    }
  });

  it("refuses a file written by a newer Tessera and leaves it unchanged", async () => {
    const path = join(folder, "newer.db");
    const store = await openSqliteStore({ path });
    await store.put(document("kept"));
    await store.close();
    const newer = new Database(path);
    newer.pragma(`user_version = ${sqliteStoreVersion + 1}`);
    newer.close();

    const error = await openSqliteStore({ path }).catch((caught: unknown) => caught);
    expect(StoreTooNewError.isInstance(error)).toBe(true);
    const tooNew = error as StoreTooNewError;
    expect(tooNew.location).toBe(path);
    expect(tooNew.storeVersion).toBe(sqliteStoreVersion + 1);
    expect(tooNew.supportedVersion).toBe(sqliteStoreVersion);
    expect(tooNew.message).toContain(path);
    expect(tooNew.message).toContain("Upgrade @tessera/core");

    const after = new Database(path, { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(sqliteStoreVersion + 1);
    expect(after.prepare("SELECT name FROM documents").all()).toEqual([{ name: "kept" }]);
    after.close();
  });

  it("refuses limits that are not whole numbers of at least 1, naming the setting", async () => {
    for (const limits of [{ revisionsKept: 0 }, { maxDocumentBytes: -5 }, { revisionsKept: 1.5 }]) {
      const error = await openSqliteStore({ path: join(folder, "limits.db"), limits }).catch(
        (caught: unknown) => caught,
      );
      expect(InvalidInputError.isInstance(error)).toBe(true);
      expect((error as InvalidInputError).subject).toBe(`limits.${Object.keys(limits)[0]}`);
    }
  });

  it("runs in WAL mode", async () => {
    const path = join(folder, "wal.db");
    const store = await openSqliteStore({ path });
    await store.close();
    const database = new Database(path, { readonly: true });
    expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    database.close();
  });
});

describe("busy files and closed stores", () => {
  it("waits for another connection's write transaction and then writes", async () => {
    const path = join(folder, "busy.db");
    const store = await openSqliteStore({ path, busyTimeoutMs: 2000 });
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const released = new Promise<void>((resolveRelease) =>
      setTimeout(() => {
        other.exec("COMMIT");
        resolveRelease();
      }, 150),
    );
    const written = await store.put(document("patient"));
    await released;
    expect(written.revision).toBe(1);
    other.close();
    await store.close();
  });

  it("opens a new file that another connection holds locked, once the lock is released", async () => {
    const path = join(folder, "opening.db");
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    setTimeout(() => other.exec("COMMIT"), 150);
    const store = await openSqliteStore({ path, busyTimeoutMs: 2000 });
    other.close();
    expect((await store.put(document("after-open"))).revision).toBe(1);
    await store.close();
  });

  it("gives up with STORE_BUSY, naming the file, when the lock is never released", async () => {
    const path = join(folder, "stuck.db");
    const store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const error = await store.put(document("stuck")).catch((caught: unknown) => caught);
    other.exec("ROLLBACK");
    other.close();
    expect(StoreBusyError.isInstance(error)).toBe(true);
    expect((error as StoreBusyError).message).toContain(path);
    expect(await store.get({ type: "bucket", name: "stuck" })).toBe(undefined);
    await store.close();
  });

  it("refuses calls after close with STORE_CLOSED, and closing twice is harmless", async () => {
    const path = join(folder, "closed.db");
    const store = await openSqliteStore({ path });
    await store.close();
    await store.close();
    await expect(store.get({ type: "bucket", name: "x" })).rejects.toMatchObject({
      code: "STORE_CLOSED",
    });
    await expect(store.put(document("x"))).rejects.toMatchObject({ code: "STORE_CLOSED" });
    const error = await store.list().catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect((error as StoreClosedError).message).toContain(path);
    expect((error as StoreClosedError).message).toContain("Open it again");
  });
});
