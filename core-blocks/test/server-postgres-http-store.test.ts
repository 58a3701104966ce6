import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openHttpStore, openPostgresStore, type PostgresBlockStore } from "../src/store/index.js";
import { describeBlockStore } from "../src/testing/index.js";
import { usePostgresCluster } from "./postgres-cluster.js";

const cluster = usePostgresCluster({ beforeAll, afterAll });
let admin: pg.Pool;
let backing: PostgresBlockStore;
let server: TesseraServer;
let url: string;

// One server over one PostgreSQL schema; each test starts from emptied tables.
beforeAll(async () => {
  admin = new pg.Pool({ connectionString: cluster().url, max: 1 });
  backing = await openPostgresStore({ url: cluster().url, schema: "through_server" });
  server = await createServer({ store: backing });
  url = await server.listen();
});
afterAll(async () => {
  await server?.close();
  await backing?.close();
  await admin?.end();
});

describeBlockStore(
  { describe, it, expect, beforeEach, afterEach },
  async () => {
    await admin.query(
      "DELETE FROM through_server.document_references; DELETE FROM through_server.revisions; DELETE FROM through_server.documents; DELETE FROM through_server.block_types; DELETE FROM through_server.store_meta; DELETE FROM through_server.master_keys",
    );
    const { token } = await createApiToken(backing, { name: "conformance", scope: "admin" });
    return { store: await openHttpStore({ url, apiKey: token }) };
  },
  {
    name: "HTTP store over a PostgreSQL server, conformance",
    watch: true,
    actorAssignedByServer: "token:conformance",
  },
);
