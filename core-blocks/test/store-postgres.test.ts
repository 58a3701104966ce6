import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import {
  BlockReferencedError,
  InvalidInputError,
  RevisionConflictError,
  StoreTooNewError,
} from "../src/errors/index.js";
import { Secret } from "../src/secret-block/index.js";
import {
  createMemoryStore,
  getDefaultStore,
  openPostgresStore,
  type PutDocumentInput,
  setDefaultStore,
} from "../src/store/index.js";
import { migratePostgresStore } from "../src/store/postgres/postgres-migrations.js";
import { document as documentInput } from "../src/testing/block-store/helpers.js";
import { usePostgresCluster } from "./postgres-cluster.js";
import { isolateKeys, randomKey } from "./secrets-helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const cluster = usePostgresCluster({ beforeAll, afterAll });
let admin: pg.Pool;
let schemas = 0;
const freshSchema = () => `store_${++schemas}_${randomBytes(3).toString("hex")}`;

beforeAll(() => {
  admin = new pg.Pool({ connectionString: cluster().url, max: 2 });
});
afterAll(async () => {
  await admin?.end();
});

/** The statements the store's connections send while `body` runs, and what `body` gave. */
async function statementsDuring<T>(body: () => Promise<T>): Promise<{ sent: number; result: T }> {
  const spy = vi.spyOn(pg.Client.prototype, "query");
  try {
    const result = await body();
    return { sent: spy.mock.calls.length, result };
  } finally {
    spy.mockRestore();
  }
}

/** A valid `put` input of a bucket with a fresh id; fields can be overridden. */
const document = (name: string, overrides: Partial<PutDocumentInput> = {}) =>
  documentInput("bucket", name, overrides);

describe("PostgresStore selection and driver loading", () => {
  const variables = ["TESSERA_DATABASE_URL", "TESSERA_DATABASE_SCHEMA", "TESSERA_API_URL"];
  const saved = new Map(variables.map((name) => [name, process.env[name]]));
  afterEach(async () => {
    const store = await getDefaultStore().catch(() => undefined);
    await store?.close();
    setDefaultStore(undefined);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("opens the PostgreSQL store when TESSERA_DATABASE_URL is set, naming it without credentials", async () => {
    const url = new URL(cluster().url);
    url.password = "hunter2";
    process.env.TESSERA_DATABASE_URL = url.toString();
    process.env.TESSERA_DATABASE_SCHEMA = freshSchema();
    const store = await getDefaultStore();
    expect(store.kind).toBe("postgres");
    expect(store.location).toBe(
      `postgres://127.0.0.1:${cluster().port}/postgres#${process.env.TESSERA_DATABASE_SCHEMA}`,
    );
    expect(store.location).not.toContain("hunter2");
    await store.put(document("selected"));
    const { rows } = await admin.query(
      `SELECT name FROM ${process.env.TESSERA_DATABASE_SCHEMA}.documents`,
    );
    expect(rows).toEqual([{ name: "selected" }]);
  });

  it("refuses a TESSERA_DATABASE_URL that is not a PostgreSQL URL without showing it", async () => {
    process.env.TESSERA_DATABASE_URL = "mysql://root:hunter2@db/tessera";
    const error = await getDefaultStore().catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain("hunter2");
  });

  /** Runs the store-driver child (with `pg` made unresolvable when `hidePg`); returns its report. */
  async function runChild(environment: Record<string, string>, hidePg: boolean) {
    const home = mkdtempSync(join(tmpdir(), "tessera-driver-"));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          ...(hidePg ? ["--import", join(here, "fixtures", "hide-pg.mjs")] : []),
          "--import",
          "tsx",
          join(here, "fixtures", "store-driver-child.ts"),
        ],
        {
          cwd: resolve(here, ".."),
          env: { ...process.env, TESSERA_HOME: home, ...environment },
        },
      );
      return { report: JSON.parse(stdout.trim()) as Record<string, unknown> };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  it("never loads pg in a process on the SQLite store, and loads it once PostgreSQL is selected", async () => {
    const sqlite = await runChild({ TESSERA_DATABASE_URL: "" }, false);
    expect(sqlite.report).toEqual({ kind: "sqlite", loadedPg: false });
    // The same check sees pg in a process that selected PostgreSQL.
    const postgres = await runChild(
      { TESSERA_DATABASE_URL: cluster().url, TESSERA_DATABASE_SCHEMA: freshSchema() },
      false,
    );
    expect(postgres.report).toEqual({ kind: "postgres", loadedPg: true });
  });

  it("fails with DRIVER_NOT_INSTALLED, saying what to install, when pg is missing", async () => {
    // pg is installed here; the preload makes it unresolvable, as in a project without it.
    const { report } = await runChild(
      { TESSERA_DATABASE_URL: "postgres://tessera:hunter2@127.0.0.1:1/tessera" },
      true,
    );
    expect(report.code).toBe("DRIVER_NOT_INSTALLED");
    expect(report.message).toContain("npm install pg@^8.23.1");
    expect(report.message).not.toContain("hunter2");
  });
});

describe("PostgresStore schema and migrations", () => {
  it("refuses a schema written by a newer Tessera, saying what to install, and changes nothing", async () => {
    const schema = freshSchema();
    await admin.query(
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.store_version (singleton boolean PRIMARY KEY DEFAULT true, version integer NOT NULL); INSERT INTO ${schema}.store_version VALUES (true, 99)`,
    );
    const error = await openPostgresStore({ url: cluster().url, schema }).catch(
      (caught: unknown) => caught,
    );
    expect(StoreTooNewError.isInstance(error)).toBe(true);
    expect((error as StoreTooNewError).storeVersion).toBe(99);
    expect((error as Error).message).toContain("Upgrade @tessera/core");
    const { rows } = await admin.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    );
    expect(rows).toEqual([{ table_name: "store_version" }]);
  });

  it("migrates a new schema once when several stores open it at the same moment", async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => openPostgresStore({ url: cluster().url, schema })),
    );
    await stores[0]!.put(document("after-race"));
    expect((await stores[5]!.get({ type: "bucket", name: "after-race" }))?.revision).toBe(1);
    await Promise.all(stores.map((store) => store.close()));
    const { rows } = await admin.query(`SELECT version FROM ${schema}.store_version`);
    expect(rows).toEqual([{ version: 2 }]);
  });

  it("upgrades a schema from before revisions recorded actors, keeping its history with no actor on the old revisions", async () => {
    const schema = freshSchema();
    const client = await admin.connect();
    try {
      await migratePostgresStore(client, {
        schema,
        quotedSchema: `"${schema}"`,
        location: "test",
        target: 1,
      });
      await client.query(
        `INSERT INTO ${schema}.documents (id, type, name, revision, created_at) VALUES ('doc-1', 'bucket', 'legacy', 2, '2026-01-01T00:00:00.000Z');
         INSERT INTO ${schema}.revisions (document_id, revision, data, schema_checksum, schema_version, package, reference_ids, operation, restored_from, updated_at) VALUES
           ('doc-1', 1, '{"bucket":"one"}', 'sha256:old', '0.9.0', NULL, '[]', 'save', NULL, '2026-01-01T00:00:00.000Z'),
           ('doc-1', 2, '{"bucket":"one"}', 'sha256:old', '0.9.0', NULL, '[]', 'rollback', 1, '2026-01-01T00:00:00.000Z')`,
      );
    } finally {
      client.release();
    }
    const store = await openPostgresStore({ url: cluster().url, schema });
    try {
      const ref = { type: "bucket", name: "legacy" };
      const history = await store.history(ref);
      expect(history.map((entry) => [entry.revision, entry.operation, "actor" in entry])).toEqual([
        [2, "rollback", false],
        [1, "save", false],
      ]);
      const loaded = await store.get(ref, { revision: 1 });
      expect(loaded?.data).toEqual({ bucket: "one" });
      expect(loaded !== undefined && "actor" in loaded).toBe(false);
      await store.put(document("legacy", { expectedRevision: 2, actor: "user:alice" }));
      expect((await store.history(ref)).map((entry) => entry.actor)).toEqual([
        "user:alice",
        undefined,
        undefined,
      ]);
    } finally {
      await store.close();
    }
    const { rows } = await admin.query(`SELECT version FROM ${schema}.store_version`);
    expect(rows).toEqual([{ version: 2 }]);
  });

  it("refuses a schema name that is not a plain lower-case identifier before connecting", async () => {
    const error = await openPostgresStore({
      url: cluster().url,
      schema: 'x"; DROP TABLE y; --',
    }).catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
  });

  it("keeps references as foreign keys that restrict deleting the referenced document", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema });
    try {
      const child = await store.put(document("child"));
      await store.put(document("parent", { references: [child.id] }));
      const { rows } = await admin.query(
        `SELECT a.attname AS column, c.confdeltype AS on_delete
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.conrelid = '${schema}.document_references'::regclass AND c.contype = 'f'
          ORDER BY a.attname`,
      );
      // from_id cascades (a deleted parent's own references go), to_id restricts.
      expect(rows).toEqual([
        { column: "from_id", on_delete: "c" },
        { column: "to_id", on_delete: "r" },
      ]);
      // Even a DELETE that bypasses the store cannot take the child from under its parent.
      const raw = await admin
        .query(`DELETE FROM ${schema}.documents WHERE id = $1`, [child.id])
        .catch((caught: unknown) => caught);
      expect((raw as { code?: string }).code).toBe("23503");
      const refused = await store.delete({ id: child.id }).catch((caught: unknown) => caught);
      expect(BlockReferencedError.isInstance(refused)).toBe(true);
      expect((refused as BlockReferencedError).referrers).toEqual(["bucket/parent"]);
      expect(await store.get({ id: child.id })).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("lets exactly one of many connections win each compare-and-swap on one document", async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        openPostgresStore({ url: cluster().url, schema, poolSize: 4 }),
      ),
    );
    try {
      await stores[0]!.put(document("contended"));
      for (let revision = 1; revision <= 5; revision++) {
        const outcomes = await Promise.allSettled(
          stores.flatMap((store, index) =>
            [0, 1, 2].map((writer) =>
              store.put(
                document("contended", {
                  expectedRevision: revision,
                  data: { writer: `${index}-${writer}` },
                }),
              ),
            ),
          ),
        );
        const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
        expect(winners.length).toBe(1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") {
            expect(RevisionConflictError.isInstance(outcome.reason)).toBe(true);
            expect((outcome.reason as RevisionConflictError).actualRevision).toBe(revision + 1);
          }
        }
        const stored = await stores[1]!.get({ type: "bucket", name: "contended" });
        expect(stored?.revision).toBe(revision + 1);
        expect(stored?.data).toEqual(winners[0]!.status === "fulfilled" && winners[0]!.value.data);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

describe("saving to the PostgreSQL store in one round trip", () => {
  it("saves a new document and each compare-and-swap revision with one statement, notifying watchers", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema });
    const feed = await store.watch!();
    try {
      expect((await statementsDuring(() => store.put(document("fast")))).sent).toBe(1);
      for (let revision = 1; revision <= 3; revision++) {
        const { sent } = await statementsDuring(() =>
          store.put(document("fast", { expectedRevision: revision, data: { revision } })),
        );
        expect(sent).toBe(1);
      }
      expect(
        (
          await statementsDuring(() =>
            store.put(document("fast", { overwrite: true, data: { last: true } })),
          )
        ).sent,
      ).toBe(1);
      const stored = await store.get({ type: "bucket", name: "fast" });
      expect([stored?.revision, stored?.data]).toEqual([5, { last: true }]);
      const changes: string[] = [];
      for await (const change of feed) {
        changes.push(`${change.operation} ${change.type}/${change.name}@${change.revision}`);
        if (changes.length === 5) break;
      }
      expect(changes).toEqual([1, 2, 3, 4, 5].map((revision) => `save bucket/fast@${revision}`));
    } finally {
      await feed.close();
      await store.close();
    }
  });

  it("still answers a stale compare-and-swap with REVISION_CONFLICT naming the stored revision", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema });
    try {
      await store.put(document("stale"));
      await store.put(document("stale", { expectedRevision: 1 }));
      const error = await store
        .put(document("stale", { expectedRevision: 1 }))
        .catch((caught: unknown) => caught);
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      expect((error as RevisionConflictError).actualRevision).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("clears a document's old references and prunes revisions beyond the kept window in the one-statement save", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({
      url: cluster().url,
      schema,
      limits: { revisionsKept: 4 },
    });
    try {
      const target = await store.put(document("target"));
      await store.put(document("holder", { references: [target.id] }));
      await store.put(document("holder", { expectedRevision: 1 }));
      expect(await store.referrers(target.id)).toEqual([]);
      expect(await store.delete({ type: "bucket", name: "target" })).toBe(true);
      for (let revision = 2; revision < 40; revision++) {
        await store.put(document("holder", { expectedRevision: revision, data: { revision } }));
      }
      const { rows } = await admin.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM ${schema}.revisions r JOIN ${schema}.documents d ON d.id = r.document_id WHERE d.name = 'holder'`,
      );
      // 40 saves, pruned every 16th: at most the kept window plus one batch remain.
      expect(rows[0]!.count).toBeLessThanOrEqual(4 + 16);
      expect((await store.history({ type: "bucket", name: "holder" })).length).toBe(4);
    } finally {
      await store.close();
    }
  });
});

describe("loading from the PostgreSQL store under load", () => {
  it("sends the loads that wait for a connection together, and answers each caller its own document", async () => {
    const store = await openPostgresStore({
      url: cluster().url,
      schema: freshSchema(),
      poolSize: 2,
    });
    try {
      const ids: string[] = [];
      for (let index = 0; index < 20; index++) {
        ids.push((await store.put(document(`b${index}`, { data: { index } }))).id);
      }
      const asked = Array.from({ length: 400 }, (_, call) => {
        const index = call % 25;
        // By slug and by id, existing and missing, each asked many times.
        return call % 2 === 0
          ? { ref: { type: "bucket", name: `b${index}` }, index }
          : { ref: { id: ids[index] ?? `missing-${index}` }, index };
      });
      const { sent, result } = await statementsDuring(() =>
        Promise.all(asked.map(({ ref }) => store.get(ref))),
      );
      for (const [call, { index }] of asked.entries()) {
        const loaded = result[call];
        if (index < 20) expect([loaded?.name, loaded?.data]).toEqual([`b${index}`, { index }]);
        else expect(loaded).toBeUndefined();
      }
      // Two connections: the first loads go out alone, the rest in a few batches.
      expect(sent).toBeLessThan(20);
      // Answers are the caller's own: changing one changes no other.
      (result[0]!.data as { index: number }).index = -1;
      expect(result[50]!.data).toEqual({ index: 0 });
    } finally {
      await store.close();
    }
  });

  it("answers a load asked after a save was acknowledged with that revision or a later one, never an older", async () => {
    const store = await openPostgresStore({
      url: cluster().url,
      schema: freshSchema(),
      poolSize: 3,
    });
    try {
      await store.put(document("counter", { data: { n: 0 } }));
      let saving = true;
      const stale: string[] = [];
      // Readers keep the pool busy so that loads wait and are batched.
      const readers = Array.from({ length: 16 }, async () => {
        while (saving) await store.get({ type: "bucket", name: "counter" });
      });
      for (let revision = 1; revision < 60; revision++) {
        const saved = await store.put(
          document("counter", { expectedRevision: revision, data: { n: revision } }),
        );
        const [bySlug, byId] = await Promise.all([
          store.get({ type: "bucket", name: "counter" }),
          store.get({ id: saved.id }),
        ]);
        for (const loaded of [bySlug, byId]) {
          if ((loaded?.revision ?? 0) < saved.revision) {
            stale.push(`acknowledged ${saved.revision}, loaded ${loaded?.revision}`);
          }
        }
      }
      saving = false;
      await Promise.all(readers);
      expect(stale).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("sends a batch again on a new connection when its connection was ended while idle", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema, poolSize: 2 });
    try {
      await store.put(document("kept"));
      await Promise.all(
        Array.from({ length: 8 }, () => store.get({ type: "bucket", name: "kept" })),
      );
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'idle' AND strpos(query, $1) > 0",
        [schema],
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const { pid } of rows) await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      const loaded = await Promise.all(
        Array.from({ length: 20 }, () => store.get({ type: "bucket", name: "kept" })),
      );
      expect(loaded.map((stored) => stored?.name)).toEqual(Array(20).fill("kept"));
    } finally {
      await store.close();
    }
  });
});

describe("secrets in the PostgreSQL store", () => {
  it("writes only ciphertext: no table holds the secret value", async () => {
    const environment = isolateKeys();
    process.env.TESSERA_ENCRYPTION_KEY = randomKey();
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema });
    try {
      const canary = `canary-${randomBytes(12).toString("hex")}`;
      await new Secret({ value: canary }).save("api-token", { store });
      await new Secret({ value: `${canary}-two` }).save("api-token", { store, overwrite: true });
      const loaded = await Secret.load("api-token", { store });
      expect(await loaded.get()).toBe(`${canary}-two`);
      const { rows } = await admin.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
        [schema],
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      let everything = "";
      for (const { table_name } of rows) {
        const dump = await admin.query(
          `SELECT row_to_json(t)::text AS row FROM ${schema}.${table_name} t`,
        );
        everything += dump.rows.map((row: { row: string }) => row.row).join("\n");
      }
      expect(everything).toContain("api-token");
      expect(everything).not.toContain(canary);
      expect(everything).not.toContain(Buffer.from(canary).toString("base64").slice(0, 16));
    } finally {
      await store.close();
      environment.restore();
    }
  });
});

describe("watching the PostgreSQL store", () => {
  class Endpoint extends defineBlock({
    type: "watched-endpoint",
    title: "Endpoint",
    description: "Where a service sends requests.",
    schema: z.object({ url: z.string() }),
  }) {}

  it("sees changes another connection commits, without polling, and ends Block.watch on delete", async () => {
    const schema = freshSchema();
    const writer = await openPostgresStore({ url: cluster().url, schema });
    const service = await openPostgresStore({ url: cluster().url, schema });
    try {
      await new Endpoint({ url: "https://a.example" }).save("api", { store: writer });
      const feed = await service.watch!({ types: ["watched-endpoint"] });
      const blocks = (await Endpoint.watch("api", { store: service }))[Symbol.asyncIterator]();
      const latest = await Endpoint.load("api", { store: writer });
      latest.url = "https://b.example";
      await latest.save("api", { store: writer, expectedRevision: 1 });
      const second = await blocks.next();
      expect([second.value?.url, second.value?.revision]).toEqual(["https://b.example", 2]);
      latest.url = "https://c.example";
      await latest.save("api", { store: writer, expectedRevision: 2 });
      const third = await blocks.next();
      expect([third.value?.url, third.value?.revision]).toEqual(["https://c.example", 3]);
      await Endpoint.delete("api", { store: writer });
      expect((await blocks.next()).done).toBe(true);
      const changes: string[] = [];
      for await (const change of feed) {
        changes.push(`${change.operation}@${change.revision}`);
        if (change.operation === "delete") break;
      }
      expect(changes).toEqual(["save@2", "save@3", "delete@3"]);
    } finally {
      await writer.close();
      await service.close();
    }
  });

  /** The backend pid of the store's LISTEN connection, once there is one other than `not`. */
  async function listener(not?: number): Promise<number> {
    for (let attempt = 0; attempt < 500; attempt++) {
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'tessera' AND query LIKE 'LISTEN%' AND pid <> $1",
        [not ?? 0],
      );
      if (rows[0] !== undefined) return rows[0].pid;
      await new Promise((resolvePause) => setTimeout(resolvePause, 20));
    }
    throw new Error("no LISTEN connection appeared");
  }

  it("reconnects a watch whose connection is killed, yields a resync and goes on with later changes", async () => {
    const schema = freshSchema();
    const writer = await openPostgresStore({ url: cluster().url, schema });
    const service = await openPostgresStore({ url: cluster().url, schema });
    try {
      const created = await writer.put(document("followed", { type: "endpoint" }));
      const feed = await service.watch!({ types: ["endpoint"] });
      const changes = feed[Symbol.asyncIterator]();
      const before = await listener();
      await admin.query("SELECT pg_terminate_backend($1)", [before]);
      // Saved while the watch is away: its notice is lost with the connection.
      await writer.put(document("followed", { type: "endpoint", expectedRevision: 1 }));
      await listener(before);
      expect((await changes.next()).value?.operation).toBe("resync");
      await writer.put(document("followed", { type: "endpoint", expectedRevision: 2 }));
      // (Revision 2 comes first too, should the watch have been back before it was saved.)
      let next = (await changes.next()).value;
      if (next?.revision === 2) next = (await changes.next()).value;
      expect([next?.operation, next?.id, next?.revision]).toEqual(["save", created.id, 3]);
      await feed.close();
    } finally {
      await writer.close();
      await service.close();
    }
  });

  it("gives Block.watch the revision saved while its connection was down, then the later ones", async () => {
    const schema = freshSchema();
    const writer = await openPostgresStore({ url: cluster().url, schema });
    const service = await openPostgresStore({ url: cluster().url, schema });
    try {
      await new Endpoint({ url: "https://a.example" }).save("api", { store: writer });
      const blocks = (await Endpoint.watch("api", { store: service }))[Symbol.asyncIterator]();
      const before = await listener();
      await admin.query("SELECT pg_terminate_backend($1)", [before]);
      const latest = await Endpoint.load("api", { store: writer });
      latest.url = "https://b.example";
      await latest.save("api", { store: writer, expectedRevision: 1 });
      const missed = await blocks.next();
      expect([missed.value?.url, missed.value?.revision]).toEqual(["https://b.example", 2]);
      await listener(before);
      latest.url = "https://c.example";
      await latest.save("api", { store: writer, expectedRevision: 2 });
      const later = await blocks.next();
      expect([later.value?.url, later.value?.revision]).toEqual(["https://c.example", 3]);
      await blocks.return?.();
    } finally {
      await writer.close();
      await service.close();
    }
  });

  it("refuses Block.watch on a store without the watch capability with INVALID_INPUT", async () => {
    const memory = createMemoryStore();
    // A backend that does not implement the optional capability.
    const withoutWatch = new Proxy(memory, {
      get: (target, property) => (property === "watch" ? undefined : Reflect.get(target, property)),
    });
    const error = await Endpoint.watch("api", { store: withoutWatch }).catch(
      (caught: unknown) => caught,
    );
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("cannot watch for changes");
  });
});
