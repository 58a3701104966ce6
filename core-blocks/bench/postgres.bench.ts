/**
 * PostgreSQL store benchmarks on a throwaway cluster, each beside bare `pg` on the same cluster in
 * the same run:
 *
 * - load by slug (`store.get`), beside a prepared point select of the same row + `JSON.parse`
 *   (target 2x);
 * - save with compare-and-swap (`store.put` with `expectedRevision`), beside a bare insert of the
 *   same JSON in a transaction (target 2x);
 * - the same load with 1,000,000 documents stored, against the load with 1,000 (target 1.5x);
 * - 8 writers saving at once (one batch of 8 concurrent compare-and-swap saves on 8 documents),
 *   beside 8 concurrent bare inserts in transactions (target 2x); the throughput is printed.
 *
 * The million documents are inserted with one `INSERT … SELECT generate_series` per table in the
 * store's own format (the store has no bulk import yet); `TESSERA_BENCH_DOCUMENTS` changes the count.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { BenchSuite } from "../../bench/harness.js";
import { median } from "../../bench/harness.js";
import {
  openPostgresStore,
  type PostgresBlockStore,
  type PutDocumentInput,
} from "../src/store/index.js";
import { type PostgresCluster, startPostgresCluster } from "../test/postgres-cluster.js";

const smallScale = 1_000;
const largeScale = Number(process.env.TESSERA_BENCH_DOCUMENTS ?? 1_000_000);
const writers = 8;
const data = { account: "acme", user: "etl", role: "reader", warehouse: "wh-s", fetchSize: 1000 };

function input(name: string, overrides: Partial<PutDocumentInput> = {}): PutDocumentInput {
  return {
    id: randomUUID(),
    type: "bench-credentials",
    name,
    data,
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
    ...overrides,
  };
}

/** A store in `schema` holding `documents` documents, one of them `bench-credentials/main`. */
async function prepareStore(
  cluster: PostgresCluster,
  admin: pg.Pool,
  schema: string,
  documents: number,
): Promise<PostgresBlockStore> {
  const store = await openPostgresStore({ url: cluster.url, schema, poolSize: writers });
  await store.put(input("main"));
  const json = JSON.stringify(data);
  await admin.query(
    `INSERT INTO ${schema}.documents (id, type, name, revision, created_at)
       SELECT 'filler-' || i, 'bench-credentials', 'filler-' || lpad(i::text, 7, '0'), 1, now()::text
       FROM generate_series(1, $1::int) AS i`,
    [documents - 1],
  );
  await admin.query(
    `INSERT INTO ${schema}.revisions (document_id, revision, data, schema_checksum, schema_version, reference_ids, operation, updated_at)
       SELECT 'filler-' || i, 1, $2, 'sha256:0', '1.0.0', '[]', 'save', now()::text
       FROM generate_series(1, $1::int) AS i`,
    [documents - 1, json],
  );
  await admin.query(`ANALYZE ${schema}.documents; ANALYZE ${schema}.revisions`);
  return store;
}

export default async function postgresBench(): Promise<BenchSuite> {
  const cluster = await startPostgresCluster();
  const admin = new pg.Pool({ connectionString: cluster.url, max: writers + 2 });
  const teardown = async () => {
    await admin.end();
    await cluster.stop();
  };
  try {
    const small = await prepareStore(cluster, admin, "bench_small", smallScale);
    const fillStarted = performance.now();
    const large = await prepareStore(cluster, admin, "bench_large", largeScale);
    console.log(
      `filled ${largeScale} documents in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`,
    );
    await admin.query(
      "CREATE TABLE bench_floor (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, data text)",
    );
    const floorClient = await admin.connect();
    const pointSelect = {
      name: "bench_point_select",
      text: "SELECT d.id, r.revision, r.data FROM bench_small.documents d JOIN bench_small.revisions r ON r.document_id = d.id AND r.revision = d.revision WHERE d.type = $1 AND d.name = $2",
    };
    const insertFloor = {
      name: "bench_insert",
      text: "INSERT INTO bench_floor (name, data) VALUES ($1, $2)",
    };
    const floorClients = await Promise.all(Array.from({ length: writers }, () => admin.connect()));
    const bareInsert = async (client: pg.PoolClient, name: string) => {
      await client.query("BEGIN");
      await client.query({ ...insertFloor, values: [name, JSON.stringify(data)] });
      await client.query("COMMIT");
    };
    for (let round = 0; round < 500; round++) {
      await small.get({ type: "bench-credentials", name: "main" });
      await large.get({ type: "bench-credentials", name: "main" });
    }
    const smallLoadTimes: number[] = [];
    let revision = (await small.get({ type: "bench-credentials", name: "main" }))!.revision;
    const writerRevisions = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        small.put(input(`writer-${index}`)).then((saved) => saved.revision),
      ),
    );
    let batches = 0;
    let batchMs = 0;

    return {
      cases: [
        {
          kind: "time",
          name: "PostgreSQL: load by slug (store.get vs prepared point select + JSON.parse)",
          target: 2,
          iterations: 2000,
          warmup: 200,
          run: async () => {
            const started = performance.now();
            await small.get({ type: "bench-credentials", name: "main" });
            smallLoadTimes.push(performance.now() - started);
          },
          floor: async () => {
            const { rows } = await floorClient.query<{ data: string }>({
              ...pointSelect,
              values: ["bench-credentials", "main"],
            });
            return JSON.parse(rows[0]!.data);
          },
        },
        {
          kind: "time",
          name: "PostgreSQL: save with compare-and-swap (store.put vs bare insert in a transaction)",
          target: 2,
          iterations: 1000,
          warmup: 100,
          run: async () => {
            const saved = await small.put(input("main", { expectedRevision: revision }));
            revision = saved.revision;
          },
          floor: () => bareInsert(floorClient, "main"),
        },
        {
          kind: "time",
          name: `PostgreSQL: load by slug with ${largeScale.toLocaleString("en")} documents vs with ${smallScale.toLocaleString("en")}`,
          target: 1.5,
          iterations: 2000,
          warmup: 200,
          run: () => large.get({ type: "bench-credentials", name: "main" }),
          floor: () => undefined,
          floorMs: () => median(smallLoadTimes),
        },
        {
          kind: "time",
          name: `PostgreSQL: ${writers} writers at once (a batch of ${writers} compare-and-swap saves vs ${writers} bare inserts in transactions)`,
          target: 2,
          iterations: 300,
          warmup: 30,
          run: async () => {
            const started = performance.now();
            await Promise.all(
              writerRevisions.map(async (expected, index) => {
                const saved = await small.put(
                  input(`writer-${index}`, { expectedRevision: expected }),
                );
                writerRevisions[index] = saved.revision;
              }),
            );
            batchMs += performance.now() - started;
            batches++;
          },
          floor: () =>
            Promise.all(floorClients.map((client, index) => bareInsert(client, `writer-${index}`))),
        },
      ],
      teardown: async () => {
        console.log(
          `${writers} concurrent writers: ${Math.round((batches * writers) / (batchMs / 1000))} saves/s (compare-and-swap, one document each)`,
        );
        floorClient.release();
        for (const client of floorClients) client.release();
        await small.close();
        await large.close();
        await teardown();
      },
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
