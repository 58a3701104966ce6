import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DatabaseUnavailableError,
  RevisionConflictError,
  StoreBusyError,
  TesseraError,
} from "../src/errors/index.js";
import { openPostgresStore, type PutDocumentInput } from "../src/store/index.js";
import { document as documentInput } from "../src/testing/block-store/helpers.js";
import { usePostgresCluster } from "./postgres-cluster.js";

const here = dirname(fileURLToPath(import.meta.url));
// synchronous_commit on: a commit the server acknowledged survives the server being killed.
const cluster = usePostgresCluster(
  { beforeAll, afterAll },
  { settings: { synchronous_commit: "on" } },
);
let schemas = 0;
const freshSchema = () => `faults_${++schemas}`;

/** A valid `put` input of a counter with a fresh id; fields can be overridden. */
const document = (name: string, overrides: Partial<PutDocumentInput> = {}) =>
  documentInput("counter", name, overrides);

/** A connection of the test's own, outside any store. */
async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: cluster().url });
  await client.connect();
  return client;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolvePause) => setTimeout(resolvePause, 20));
  }
}

describe("PostgresStore under concurrency and faults", () => {
  it("gives each revision exactly one winner and loses no acknowledged save with 3 processes x 3 writers", async () => {
    const schema = freshSchema();
    // Created first, so the processes race on saves, not on creating the tables.
    await (await openPostgresStore({ url: cluster().url, schema })).close();
    const processes = 3;
    const writers = 3;
    const saves = 5;
    const reports = await Promise.all(
      Array.from({ length: processes }, (_, index) =>
        promisify(execFile)(
          process.execPath,
          [
            "--import",
            "tsx",
            join(here, "fixtures", "postgres-cas-writer.ts"),
            cluster().url,
            schema,
            `p${index}`,
            String(writers),
            String(saves),
          ],
          { cwd: resolve(here, "..") },
        ).then(
          ({ stdout }) =>
            JSON.parse(stdout.trim()) as {
              acknowledged: Array<[number, string]>;
              conflicts: number;
            },
        ),
      ),
    );
    const acknowledged = reports.flatMap((report) => report.acknowledged);
    expect(acknowledged.length).toBe(processes * writers * saves);
    // Exactly one winner per revision: revisions 1..N, each acknowledged once.
    const revisions = acknowledged.map(([revision]) => revision).sort((a, b) => a - b);
    expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, index) => index + 1));
    // The race was real: writers saw each other's saves.
    expect(reports.reduce((sum, report) => sum + report.conflicts, 0)).toBeGreaterThan(0);
    // No acknowledged save lost: each revision holds what its winner wrote.
    const store = await openPostgresStore({
      url: cluster().url,
      schema,
      limits: { revisionsKept: 100_000 },
    });
    try {
      for (const [revision, label] of acknowledged) {
        const stored = await store.get({ type: "counter", name: "shared" }, { revision });
        const [writer, step] = label.split(":");
        expect(stored?.data).toEqual({ writer, step: Number(step) });
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it("rolls back a save whose connection is killed in the middle, and the next call reconnects", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema, poolSize: 2 });
    const admin = await adminClient();
    try {
      const target = await store.put(document("target"));
      await store.put(document("victim", { data: { version: "old" } }));
      // Hold the referenced row: the save updates its own rows, then waits on the reference.
      await admin.query("BEGIN");
      await admin.query(`SELECT id FROM ${schema}.documents WHERE id = $1 FOR UPDATE`, [target.id]);
      const save = store
        .put(
          document("victim", {
            expectedRevision: 1,
            data: { version: "new" },
            references: [target.id],
          }),
        )
        .catch((error: unknown) => error);
      const pid = await until(async () => {
        const { rows } = await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'tessera' AND wait_event_type = 'Lock'",
        );
        return rows[0]?.pid;
      }, "the save to wait on the lock");
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      const error = await save;
      expect(DatabaseUnavailableError.isInstance(error)).toBe(true);
      expect((error as DatabaseUnavailableError).driverCode).toBe("57P01");
      await admin.query("ROLLBACK");
      // Nothing of the killed save remains, and the same store carries on over a new connection.
      const stored = await store.get({ type: "counter", name: "victim" });
      expect(stored?.revision).toBe(1);
      expect(stored?.data).toEqual({ version: "old" });
      expect(await store.referrers(target.id)).toEqual([]);
      const next = await store.put(
        document("victim", { expectedRevision: 1, data: { version: "retried" } }),
      );
      expect(next.revision).toBe(2);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it("fails a save held up past statementTimeoutMs with STORE_BUSY and changes nothing", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema, statementTimeoutMs: 300 });
    const admin = await adminClient();
    try {
      const created = await store.put(document("held"));
      await admin.query("BEGIN");
      await admin.query(`SELECT id FROM ${schema}.documents WHERE id = $1 FOR UPDATE`, [
        created.id,
      ]);
      const started = Date.now();
      const error = await store
        .put(document("held", { expectedRevision: 1, data: { late: true } }))
        .catch((caught: unknown) => caught);
      expect(StoreBusyError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain("statementTimeoutMs");
      expect(Date.now() - started).toBeLessThan(5000);
      await admin.query("ROLLBACK");
      expect((await store.get({ type: "counter", name: "held" }))?.revision).toBe(1);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it("opens at most poolSize connections however many calls run at once", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema, poolSize: 3 });
    const admin = await adminClient();
    try {
      await store.put(document("pooled"));
      let peak = 0;
      let running = true;
      const sampler = (async () => {
        while (running) {
          const { rows } = await admin.query<{ count: number }>(
            "SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'tessera'",
          );
          peak = Math.max(peak, rows[0]!.count);
        }
      })();
      await Promise.all(
        Array.from({ length: 60 }, (_, index) =>
          index % 2 === 0
            ? store.get({ type: "counter", name: "pooled" })
            : store.put(document("pooled", { overwrite: true, data: { index } })),
        ),
      );
      running = false;
      await sampler;
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(3);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it("keeps a watch going across a server restart: it reconnects, yields a resync, then later changes", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: cluster().url, schema, connectTimeoutMs: 2000 });
    try {
      const created = await store.put(document("watched"));
      const watch = await store.watch!({ slugs: ["counter/watched"] });
      const changes = watch[Symbol.asyncIterator]();
      await cluster().restart("immediate");
      expect((await changes.next()).value?.operation).toBe("resync");
      const saved = await until(
        () =>
          store
            .put(document("watched", { expectedRevision: 1, data: { after: true } }))
            .catch(() => undefined),
        "a save after the restart",
      );
      const next = (await changes.next()).value;
      expect([next?.operation, next?.id, next?.revision]).toEqual([
        "save",
        created.id,
        saved.revision,
      ]);
      await watch.close();
    } finally {
      await store.close();
    }
  }, 30_000);

  it("keeps serving saves after the server is killed and restarted under load, losing no acknowledged save", async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({
      url: cluster().url,
      schema,
      poolSize: 4,
      connectTimeoutMs: 2000,
      limits: { revisionsKept: 100_000 },
    });
    try {
      await store.put(document("busy"));
      const acknowledged = new Map<number, number>();
      const failures: unknown[] = [];
      let stop = false;
      let sequence = 0;
      const writer = async () => {
        while (!stop) {
          const value = ++sequence;
          try {
            const current = await store.get({ type: "counter", name: "busy" });
            const saved = await store.put(
              document("busy", { expectedRevision: current?.revision ?? 0, data: { value } }),
            );
            acknowledged.set(saved.revision, value);
          } catch (error) {
            if (!RevisionConflictError.isInstance(error)) failures.push(error);
            await new Promise((resolvePause) => setTimeout(resolvePause, 20));
          }
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      await until(async () => (acknowledged.size >= 20 ? true : undefined), "saves before");
      await cluster().restart("immediate");
      const afterRestart = acknowledged.size;
      await until(
        async () => (acknowledged.size >= afterRestart + 20 ? true : undefined),
        "saves after the restart",
      );
      stop = true;
      await Promise.all(writers);
      // Every failure was a coded error (the server was away), never a crash or a plain error.
      for (const failure of failures) expect(TesseraError.isInstance(failure)).toBe(true);
      expect(failures.some((failure) => DatabaseUnavailableError.isInstance(failure))).toBe(true);
      for (const [revision, value] of acknowledged) {
        const stored = await store.get({ type: "counter", name: "busy" }, { revision });
        expect(stored?.data).toEqual({ value });
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
