import type { Database } from "better-sqlite3";
import { StoreTooNewError } from "../../errors/index.js";

/**
 * The SQLite store's table migrations, oldest first. Migration `n` (1-based) brings a file from
 * `PRAGMA user_version = n - 1` to `n`. Migrations are append-only: a released one never changes.
 */
const sqliteMigrations: readonly string[] = [
  // 1: documents, their revisions, the reference graph, block types and store metadata. A
  // document's newest revision is the highest one in `revisions` (a save writes one row there
  // and leaves `documents` alone); the references of its newest revision are the rows of
  // `document_references`, which cycle checks walk.
  `
  CREATE TABLE documents (
    id TEXT NOT NULL PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data_key_master_id TEXT,
    data_key_wrapped TEXT
  );
  CREATE UNIQUE INDEX documents_by_slug ON documents (type, name);

  CREATE TABLE revisions (
    document_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    data TEXT NOT NULL,
    schema_checksum TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    package TEXT,
    reference_ids TEXT NOT NULL,
    operation TEXT NOT NULL,
    restored_from INTEGER,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (document_id, revision)
  ) WITHOUT ROWID;

  CREATE TABLE document_references (
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id)
  ) WITHOUT ROWID;
  CREATE INDEX document_references_by_target ON document_references (to_id, from_id);

  CREATE TABLE block_types (
    type TEXT NOT NULL PRIMARY KEY,
    record TEXT NOT NULL
  );

  CREATE TABLE store_meta (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: key rotation pages through documents whose data key another master key wrapped.
  `
  CREATE INDEX documents_by_master_key ON documents (data_key_master_id, id)
    WHERE data_key_master_id IS NOT NULL;
  `,
  // 3: every master key id the store has used, and which one is current (at most one row has
  // is_current = 1). Filled from the ids earlier releases kept in store_meta and from the data
  // keys already stored; no key is current until a process records one.
  `
  CREATE TABLE master_keys (
    id TEXT NOT NULL PRIMARY KEY,
    is_current INTEGER NOT NULL DEFAULT 0,
    first_used_at TEXT NOT NULL,
    position INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX master_keys_current ON master_keys (is_current) WHERE is_current = 1;
  INSERT OR IGNORE INTO master_keys (id, first_used_at, position)
    SELECT j.value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), j.key
    FROM store_meta m, json_each(CASE WHEN json_valid(m.value) THEN m.value ELSE '[]' END) j
    WHERE m.key = 'secrets.master-key-ids' AND j.type = 'text';
  INSERT OR IGNORE INTO master_keys (id, first_used_at, position)
    SELECT data_key_master_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
      (SELECT COUNT(*) FROM master_keys) + ROW_NUMBER() OVER (ORDER BY data_key_master_id)
    FROM (SELECT DISTINCT data_key_master_id FROM documents WHERE data_key_master_id IS NOT NULL);
  `,
  // 4: the change log `watch` reads: one row per committed change, written in the change's own
  // transaction. Writers are serialized, so `seq` order is commit order. A new row takes the
  // highest `seq` + 1, and pruning always keeps the newest rows, so no number is ever reused.
  `
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    revision INTEGER NOT NULL,
    operation TEXT NOT NULL
  );
  `,
  // 5: who wrote each revision (`token:<name>`, `user:<name>`), for the audit trail `history`
  // shows. Revisions written before have none.
  `
  ALTER TABLE revisions ADD COLUMN actor TEXT;
  `,
];

/** The table version this release writes. */
export const sqliteStoreVersion = sqliteMigrations.length;

/**
 * Brings the file up to `target` (default: the newest version) in one immediate transaction, so
 * two processes opening a new file at once migrate it once. A file written by a newer Tessera is
 * refused with `STORE_TOO_NEW` and left untouched.
 */
export function migrateSqliteStore(
  database: Database,
  location: string,
  target: number = sqliteStoreVersion,
): void {
  const readVersion = () => database.pragma("user_version", { simple: true }) as number;
  const refuseNewer = (version: number) => {
    if (version > sqliteStoreVersion) {
      throw new StoreTooNewError({
        location,
        storeVersion: version,
        supportedVersion: sqliteStoreVersion,
      });
    }
  };
  const current = readVersion();
  refuseNewer(current);
  if (current >= target) return;
  database
    .transaction(() => {
      const version = readVersion();
      refuseNewer(version);
      for (let next = version + 1; next <= target; next++) {
        database.exec(sqliteMigrations[next - 1]!);
        // user_version takes no bound parameters; `next` is an integer from this module.
        database.pragma(`user_version = ${Math.trunc(next)}`);
      }
    })
    .immediate();
}
