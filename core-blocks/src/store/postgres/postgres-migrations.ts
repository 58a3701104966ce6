import { StoreTooNewError } from "../../errors/index.js";
import type { SqlClient } from "./postgres-driver.js";

/**
 * The PostgreSQL store's migrations, oldest first, for the schema `s` (a quoted identifier).
 * Migration `n` (1-based) brings a schema from version `n - 1` to `n`. Append-only: a released
 * migration never changes.
 */
function postgresMigrations(s: string): readonly string[] {
  return [
    // 1: the tables of SQLite's version 3, with the newest revision number kept on the document
    // row, so compare-and-swap is one conditional UPDATE. References are foreign keys: the
    // referencing side cascades (a deleted document's own references go with it), the referenced
    // side restricts (a document other documents reference cannot be deleted from under them).
    // Identifiers compare bytewise (COLLATE "C"), so listings order like SQLite's whatever the
    // database's collation.
    `
    CREATE TABLE ${s}.documents (
      id text COLLATE "C" NOT NULL PRIMARY KEY,
      type text COLLATE "C" NOT NULL,
      name text COLLATE "C" NOT NULL,
      revision integer NOT NULL CHECK (revision >= 1),
      created_at text NOT NULL,
      data_key_master_id text COLLATE "C",
      data_key_wrapped text,
      CONSTRAINT documents_slug UNIQUE (type, name)
    );
    CREATE INDEX documents_by_master_key ON ${s}.documents (data_key_master_id, id)
      WHERE data_key_master_id IS NOT NULL;

    CREATE TABLE ${s}.revisions (
      document_id text COLLATE "C" NOT NULL REFERENCES ${s}.documents (id) ON DELETE CASCADE,
      revision integer NOT NULL,
      data text NOT NULL,
      schema_checksum text NOT NULL,
      schema_version text NOT NULL,
      package text,
      reference_ids text NOT NULL,
      operation text NOT NULL CHECK (operation IN ('save', 'rollback', 'rename')),
      restored_from integer,
      updated_at text NOT NULL,
      PRIMARY KEY (document_id, revision)
    );

    CREATE TABLE ${s}.document_references (
      from_id text COLLATE "C" NOT NULL REFERENCES ${s}.documents (id) ON DELETE CASCADE,
      to_id text COLLATE "C" NOT NULL REFERENCES ${s}.documents (id) ON DELETE RESTRICT,
      PRIMARY KEY (from_id, to_id)
    );
    CREATE INDEX document_references_by_target ON ${s}.document_references (to_id, from_id);

    CREATE TABLE ${s}.block_types (
      type text COLLATE "C" NOT NULL PRIMARY KEY,
      record text NOT NULL
    );

    CREATE TABLE ${s}.store_meta (
      key text COLLATE "C" NOT NULL PRIMARY KEY,
      value text NOT NULL
    );

    CREATE TABLE ${s}.master_keys (
      id text COLLATE "C" NOT NULL PRIMARY KEY,
      is_current boolean NOT NULL DEFAULT false,
      first_used_at text NOT NULL,
      position bigint GENERATED ALWAYS AS IDENTITY
    );
    CREATE UNIQUE INDEX master_keys_current ON ${s}.master_keys (is_current) WHERE is_current;
    `,
    // 2: who wrote each revision (`token:<name>`, `user:<name>`), for the audit trail `history`
    // shows. Revisions written before have none. Adding a nullable column rewrites no rows.
    `
    ALTER TABLE ${s}.revisions ADD COLUMN actor text;
    `,
  ];
}

/** The schema version this release writes. */
const postgresStoreVersion = postgresMigrations('"s"').length;

/** The advisory lock keys of a store's schema (`pg_advisory_xact_lock(hashtext(key))`). */
export function lockKeys(schema: string) {
  return {
    migrate: `tessera:${schema}:migrate`,
    graph: `tessera:${schema}:references`,
    masterKeys: `tessera:${schema}:master-keys`,
  };
}

async function readVersion(client: SqlClient, s: string): Promise<number> {
  const exists = await client.query<{ found: string | null }>("SELECT to_regclass($1) AS found", [
    `${s}.store_version`,
  ]);
  if (exists.rows[0]?.found == null) return 0;
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM ${s}.store_version`,
  );
  return rows[0]?.version ?? 0;
}

/**
 * Brings the schema up to `target` (default: the newest version). A schema already current costs
 * one read. Otherwise every missing migration runs in ONE transaction under an advisory lock, so
 * two processes starting together migrate once (the second waits, then finds it done) and a
 * failure leaves the schema as it was. A schema written by a newer Tessera is refused with
 * `STORE_TOO_NEW` and left untouched.
 */
export async function migratePostgresStore(
  client: SqlClient,
  options: { schema: string; quotedSchema: string; location: string; target?: number },
): Promise<void> {
  const { schema, quotedSchema: s, location } = options;
  const target = options.target ?? postgresStoreVersion;
  const refuseNewer = (version: number) => {
    if (version > postgresStoreVersion) {
      throw new StoreTooNewError({
        location,
        storeVersion: version,
        supportedVersion: postgresStoreVersion,
        advice:
          "Upgrade @tessera/core to open it (every process that shares this database needs the newer release), or point TESSERA_DATABASE_URL at another database. Nothing was changed.",
      });
    }
  };
  const before = await readVersion(client, s);
  refuseNewer(before);
  if (before >= target) return;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKeys(schema).migrate]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.store_version (
         singleton boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
         version integer NOT NULL
       )`,
    );
    const version = await readVersion(client, s);
    refuseNewer(version);
    const migrations = postgresMigrations(s);
    for (let next = version + 1; next <= target; next++) {
      await client.query(migrations[next - 1]!);
    }
    if (target > version) {
      await client.query(
        `INSERT INTO ${s}.store_version (singleton, version) VALUES (true, $1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`,
        [target],
      );
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
