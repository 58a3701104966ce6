/**
 * Registry benchmarks on the embedded SQLite store, each beside its floor in the same run:
 *
 * - load by slug of a block with one saved nested block (`Block.load`), beside two bare
 *   better-sqlite3 point selects + `JSON.parse` of the same rows (target 5x);
 * - save with compare-and-swap (`block.save(name, { expectedRevision })`), beside a bare insert
 *   of the same JSON in a transaction on the same file (target 3x);
 * - the same load with 1,000,000 documents stored, against the load with 1,000 (target 1.5x).
 *
 * The million documents are written with `SqliteBlockStore.importDocuments`, which streams a
 * generator into ONE transaction with every check `put` makes (about a minute here); the files
 * live in a temporary folder that teardown removes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { BenchSuite } from "../../bench/harness.js";
import { median } from "../../bench/harness.js";
import { defineBlock } from "../src/block/index.js";
import {
  openSqliteStore,
  type PutDocumentInput,
  type SqliteBlockStore,
} from "../src/store/index.js";

const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

class WarehouseCredentials extends defineBlock({
  type: "bench-warehouse-credentials",
  title: "Warehouse credentials",
  description: "Account and user of a warehouse.",
  schema: z.object({
    account: z.string(),
    user: z.string(),
    role: z.string().default("reader"),
  }),
}) {}

class WarehouseConnection extends defineBlock({
  type: "bench-warehouse-connection",
  title: "Warehouse connection",
  description: "Where to run queries.",
  schema: z.object({
    credentials: WarehouseCredentials.field(),
    database: z.string(),
    warehouse: z.string(),
    schema: z.string().default("public"),
    fetchSize: z.number().int().default(1000),
  }),
}) {}

const smallScale = 1_000;
const largeScale = Number(process.env.TESSERA_BENCH_DOCUMENTS ?? 1_000_000);

function* fillers(count: number): Generator<PutDocumentInput> {
  for (let index = 0; index < count; index++) {
    yield {
      id: randomUUID(),
      type: WarehouseCredentials.type,
      name: `filler-${index.toString().padStart(7, "0")}`,
      data: { account: `acct-${index}`, user: `user-${index}`, role: "reader" },
      schemaChecksum: WarehouseCredentials.checksum,
      schemaVersion: WarehouseCredentials.version,
      references: [],
      dataKey: null,
    };
  }
}

/** A store holding `documents` documents, one of them `warehouse-connection/main` with a nested block. */
async function prepareStore(folder: string, documents: number): Promise<SqliteBlockStore> {
  const store = await openSqliteStore({ path: join(folder, `registry-${documents}.db`) });
  const credentials = await new WarehouseCredentials({ account: "acme", user: "etl" }).save(
    "prod",
    { store },
  );
  await new WarehouseConnection({ credentials, database: "analytics", warehouse: "wh-s" }).save(
    "main",
    { store },
  );
  await store.importDocuments(fillers(documents - 2));
  return store;
}

/** The bare floor of a load: the same two rows by point select, parsed. */
function bareLoader(path: string) {
  const database = new Database(path, { readonly: true });
  const byName = database.prepare<[string, string], { id: string; data: string }>(
    "SELECT d.id, r.data FROM documents d JOIN revisions r ON r.document_id = d.id WHERE d.type = ? AND d.name = ? ORDER BY r.revision DESC LIMIT 1",
  );
  const byId = database.prepare<[string], { data: string }>(
    "SELECT data FROM revisions WHERE document_id = ? ORDER BY revision DESC LIMIT 1",
  );
  return {
    database,
    load() {
      const parent = byName.get(WarehouseConnection.type, "main")!;
      const data = JSON.parse(parent.data) as { credentials: { $ref: string } };
      return [data, JSON.parse(byId.get(data.credentials.$ref)!.data)];
    },
  };
}

export default async function registryBench(): Promise<BenchSuite> {
  const folder = mkdtempSync(join(tmpdir(), "tessera-bench-registry-"));
  const previousHome = process.env.TESSERA_HOME;
  const previousKey = process.env.TESSERA_ENCRYPTION_KEY;
  process.env.TESSERA_HOME = folder;
  process.env.TESSERA_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  const restore = () => {
    rmSync(folder, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.TESSERA_HOME;
    else process.env.TESSERA_HOME = previousHome;
    if (previousKey === undefined) delete process.env.TESSERA_ENCRYPTION_KEY;
    else process.env.TESSERA_ENCRYPTION_KEY = previousKey;
  };
  try {
    return await buildSuite(folder, restore);
  } catch (error) {
    restore();
    throw error;
  }
}

async function buildSuite(folder: string, restore: () => void): Promise<BenchSuite> {
  const small = await prepareStore(folder, smallScale);
  const fillStarted = performance.now();
  const large = await prepareStore(folder, largeScale);
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  console.log(`filled ${largeScale} documents in ${fillSeconds.toFixed(1)} s`);

  const smallBare = bareLoader(small.location);
  // Warm both stores (JIT, page cache) so that the 1k measurement, taken first, is not the cold one.
  for (let round = 0; round < 2000; round++) {
    await WarehouseConnection.load("main", { store: small });
    await WarehouseConnection.load("main", { store: large });
  }
  const smallLoadTimes: number[] = [];

  // Save with compare-and-swap, and its floor: the same JSON inserted in a transaction.
  const saved = await new WarehouseCredentials({ account: "acme", user: "cas" }).save("cas", {
    store: small,
  });
  // Its own file, with the store's settings: a second connection writing the store's file would
  // make each side re-read the pages the other changed, which is not the floor's work.
  const floorDatabase = new Database(join(folder, "floor.db"));
  floorDatabase.pragma("journal_mode = WAL");
  floorDatabase.pragma("synchronous = NORMAL");
  floorDatabase.exec("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, data TEXT)");
  const insertFloor = floorDatabase.prepare("INSERT INTO bench_floor (data) VALUES (?)");
  const insertInTransaction = floorDatabase.transaction((data: string) => insertFloor.run(data));
  let counter = 0;
  let storeRevision = 0;

  return {
    cases: [
      {
        kind: "time",
        name: "load by slug, one nested block (Block.load vs point selects + JSON.parse)",
        target: 5,
        iterations: 2000,
        warmup: 200,
        run: async () => {
          const started = performance.now();
          await WarehouseConnection.load("main", { store: small });
          smallLoadTimes.push(performance.now() - started);
        },
        floor: () => smallBare.load(),
      },
      {
        kind: "time",
        name: "save with compare-and-swap (block.save vs bare insert in a transaction)",
        target: 3,
        iterations: 1000,
        warmup: 100,
        run: async () => {
          saved.user = `cas-${counter++}`;
          await saved.save("cas", { store: small, expectedRevision: saved.revision });
        },
        floor: () =>
          insertInTransaction(
            JSON.stringify({ account: "acme", user: `cas-${counter}`, role: "reader" }),
          ),
      },
      {
        kind: "time",
        name: "store.put with compare-and-swap (the store's share of a save) vs bare insert",
        target: 3,
        iterations: 1000,
        warmup: 100,
        run: async () => {
          const written = await small.put({
            id: randomUUID(),
            type: WarehouseCredentials.type,
            name: "cas-store",
            data: { account: "acme", user: `cas-${counter++}`, role: "reader" },
            schemaChecksum: WarehouseCredentials.checksum,
            schemaVersion: WarehouseCredentials.version,
            references: [],
            dataKey: null,
            expectedRevision: storeRevision,
          });
          storeRevision = written.revision;
        },
        floor: () =>
          insertInTransaction(
            JSON.stringify({ account: "acme", user: `cas-${counter}`, role: "reader" }),
          ),
      },
      {
        kind: "time",
        name: `load by slug at ${largeScale.toLocaleString("en")} documents vs ${smallScale.toLocaleString("en")}`,
        target: 1.5,
        iterations: 2000,
        warmup: 200,
        run: () => WarehouseConnection.load("main", { store: large }),
        floor: () => undefined,
        floorMs: () => median(smallLoadTimes.slice(-2000)),
      },
    ],
    async teardown() {
      smallBare.database.close();
      floorDatabase.close();
      await small.close();
      await large.close();
      restore();
    },
  };
}
