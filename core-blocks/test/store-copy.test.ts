import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlockExistsError, StoreCopyMismatchError } from "../src/errors/index.js";
import { Secret } from "../src/secret-block/index.js";
import {
  copyStore,
  openPostgresStore,
  openSqliteStore,
  type PostgresBlockStore,
  type PutDocumentInput,
  type SqliteBlockStore,
} from "../src/store/index.js";
import { document as documentInput } from "../src/testing/block-store/helpers.js";
import { usePostgresCluster } from "./postgres-cluster.js";
import { isolateKeys } from "./secrets-helpers.js";

const cluster = usePostgresCluster({ beforeAll, afterAll });
let admin: pg.Pool;
let schemas = 0;
beforeAll(() => {
  admin = new pg.Pool({ connectionString: cluster().url, max: 2 });
});
afterAll(async () => {
  await admin?.end();
});

/** A valid `put` input of a bucket with a fresh id; fields can be overridden. */
const document = (name: string, overrides: Partial<PutDocumentInput> = {}) =>
  documentInput("bucket", name, overrides);

let environment: ReturnType<typeof isolateKeys>;
let sqlite: SqliteBlockStore;
let postgres: PostgresBlockStore;
let schema: string;
let canary: string;

beforeEach(async () => {
  // A key file in a fresh TESSERA_HOME: both stores' secrets open with it.
  environment = isolateKeys();
  sqlite = await openSqliteStore({ path: join(environment.home, "tessera.db") });
  schema = `copy_${++schemas}_${randomBytes(3).toString("hex")}`;
  postgres = await openPostgresStore({ url: cluster().url, schema });
  canary = `canary-${randomBytes(12).toString("hex")}`;
  await new Secret({ value: `${canary}-old` }).save("api-token", { store: sqlite });
  await new Secret({ value: canary }).save("api-token", { store: sqlite, overwrite: true });
  const target = await sqlite.put(document("target"));
  await sqlite.put(document("holder", { references: [target.id] }));
  for (let index = 0; index < 8; index++) {
    const stored = await sqlite.put(document(`plain-${index}`));
    await sqlite.put(document(`plain-${index}`, { expectedRevision: stored.revision }));
  }
  await sqlite.rollback({ type: "bucket", name: "plain-0" }, 1, { actor: "user:alice" });
  await sqlite.rename({ type: "bucket", name: "plain-1" }, "renamed", {
    actor: "token:deploy-bot",
  });
});
afterEach(async () => {
  await sqlite.close();
  await postgres.close();
  environment.restore();
});

describe("copying an embedded store into PostgreSQL", () => {
  it("copies every document, revision, block type and data key, verified by checksum", async () => {
    const result = await copyStore(sqlite, postgres);
    expect(result).toMatchObject({
      documents: 11,
      copied: 11,
      alreadyThere: 0,
      dataKeys: 1,
      masterKeys: 1,
    });
    // 2 (secret) + 1 + 1 + 8 x 2 + 1 rollback + 1 rename
    expect(result.revisions).toBe(22);
    expect(result.blockTypes).toBeGreaterThanOrEqual(1);
    expect(result.checksum).toMatch(/^[0-9a-f]{64}$/);
    for (const name of ["holder", "renamed", "plain-0"]) {
      const ref = { type: "bucket", name };
      expect(await postgres.get(ref)).toEqual(await sqlite.get(ref));
      expect(await postgres.history(ref)).toEqual(await sqlite.history(ref));
    }
    // Each revision keeps who wrote it.
    expect((await postgres.history({ type: "bucket", name: "renamed" }))[0]?.actor).toBe(
      "token:deploy-bot",
    );
    expect((await postgres.get({ type: "bucket", name: "plain-0" }))?.actor).toBe("user:alice");
    const target = await postgres.get({ type: "bucket", name: "target" });
    expect((await postgres.referrers(target!.id)).map((summary) => summary.name)).toEqual([
      "holder",
    ]);
    expect(await postgres.listBlockTypes()).toEqual(await sqlite.listBlockTypes());
    expect(await postgres.listMasterKeys()).toEqual(await sqlite.listMasterKeys());
  });

  it("keeps secrets sealed under the same keys: equal ciphertext, and the key file opens them", async () => {
    await copyStore(sqlite, postgres);
    const ref = { type: "secret", name: "api-token" };
    const before = await sqlite.get(ref);
    const after = await postgres.get(ref);
    expect(after?.dataKey).toEqual(before?.dataKey);
    expect(JSON.stringify(after?.data)).toBe(JSON.stringify(before?.data));
    const { rows } = await admin.query<{ data: string }>(
      `SELECT r.data FROM ${schema}.revisions r JOIN ${schema}.documents d ON d.id = r.document_id WHERE d.name = 'api-token' ORDER BY r.revision`,
    );
    expect(rows.map((row) => row.data).join("\n")).not.toContain(canary);
    expect(rows.at(-1)?.data).toBe(JSON.stringify(before?.data));
    const loaded = await Secret.load("api-token", { store: postgres });
    expect(await loaded.get()).toBe(canary);
    const older = await Secret.load("api-token", { store: postgres, revision: 1 });
    expect(await older.get()).toBe(`${canary}-old`);
  });

  it("resumes an interrupted copy without duplicating anything", async () => {
    const interrupted = await copyStore(sqlite, postgres, {
      onProgress: (handled) => {
        if (handled === 4) throw new Error("interrupted");
      },
    }).catch((error: unknown) => error);
    expect((interrupted as Error).message).toBe("interrupted");
    const result = await copyStore(sqlite, postgres);
    expect([result.copied, result.alreadyThere, result.documents]).toEqual([7, 4, 11]);
    const { rows } = await admin.query<{ documents: number; revisions: number }>(
      `SELECT (SELECT count(*)::int FROM ${schema}.documents) AS documents, (SELECT count(*)::int FROM ${schema}.revisions) AS revisions`,
    );
    expect(rows[0]).toEqual({ documents: 11, revisions: 22 });
  });

  it("fails with STORE_COPY_MISMATCH, naming both counts, when the destination differs from the source", async () => {
    await copyStore(sqlite, postgres);
    await admin.query(
      `DELETE FROM ${schema}.revisions r USING ${schema}.documents d WHERE d.id = r.document_id AND d.name = 'plain-2' AND r.revision = 1`,
    );
    const error = await copyStore(sqlite, postgres).catch((caught: unknown) => caught);
    expect(StoreCopyMismatchError.isInstance(error)).toBe(true);
    const mismatch = error as StoreCopyMismatchError;
    expect([mismatch.source.revisions, mismatch.destination.revisions]).toEqual([22, 21]);
    expect(mismatch.message).toContain("their counts differ");
  });

  it("refuses to copy over another document of the same name in the destination", async () => {
    await postgres.put(document("holder"));
    const error = await copyStore(sqlite, postgres).catch((caught: unknown) => caught);
    expect(BlockExistsError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("empty schema");
  });
});
