import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openPostgresStore } from "../src/store/index.js";
import { describeBlockStore } from "../src/testing/index.js";
import { usePostgresCluster } from "./postgres-cluster.js";

const cluster = usePostgresCluster({ beforeAll, afterAll });
let admin: pg.Pool;

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: cluster().url, max: 1 });
  // Creates the tables once; each test then starts from emptied tables, which is much faster than
  // a schema per test.
  await (await openPostgresStore({ url: cluster().url, schema: "conformance" })).close();
});
afterAll(async () => {
  await admin?.end();
});

describeBlockStore(
  { describe, it, expect, beforeEach, afterEach },
  async () => {
    await admin.query(
      "DELETE FROM conformance.document_references; DELETE FROM conformance.revisions; DELETE FROM conformance.documents; DELETE FROM conformance.block_types; DELETE FROM conformance.store_meta; DELETE FROM conformance.master_keys",
    );
    return { store: await openPostgresStore({ url: cluster().url, schema: "conformance" }) };
  },
  { name: "PostgreSQL store conformance", watch: true },
);
