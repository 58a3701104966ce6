import type { Database } from "better-sqlite3";
import type { RevisionSummary, StoreChange } from "../block-store.js";

/** The columns of a document row, with its newest (or selected) revision number. */
interface DocumentColumns {
  id: string;
  type: string;
  name: string;
  revision: number;
  created_at: string;
  data_key_master_id: string | null;
  data_key_wrapped: string | null;
}

/** A document head joined with one of its revisions, as selected. */
export interface DocumentRow extends DocumentColumns {
  data: string;
  schema_checksum: string;
  schema_version: string;
  package: string | null;
  actor: string | null;
  reference_ids: string;
  updated_at: string;
}

/** The document row alone, with its newest revision number. */
export interface HeadRow extends DocumentColumns {
  /** 1 when the newest revision references other documents. */
  has_references: number;
}

export interface RevisionRow {
  revision: number;
  data: string;
  schema_checksum: string;
  schema_version: string;
  package: string | null;
  actor: string | null;
  reference_ids: string;
  operation: RevisionSummary["operation"];
  restored_from: number | null;
  updated_at: string;
}

/** A row of the change log. */
export interface ChangeRow {
  seq: number;
  id: string;
  type: string;
  name: string;
  revision: number;
  operation: StoreChange["operation"];
}

export interface SummaryRow {
  id: string;
  type: string;
  name: string;
  revision: number;
  schema_version: string;
  created_at: string;
  updated_at: string;
}

/**
 * The newest revision of the document `d`. Derived rather than stored, so a save writes its
 * revision row and leaves the document row alone (one page less per commit): with the revisions
 * keyed by (document_id, revision) it is one index seek.
 */
const newestRevision = "(SELECT max(revision) FROM revisions WHERE document_id = d.id)";
const headColumns = `d.id, d.type, d.name, ${newestRevision} AS revision, d.created_at, d.data_key_master_id, d.data_key_wrapped, EXISTS (SELECT 1 FROM document_references WHERE from_id = d.id) AS has_references`;
const documentColumns = `d.id, d.type, d.name, r.revision, d.created_at, d.data_key_master_id, d.data_key_wrapped, r.data, r.schema_checksum, r.schema_version, r.package, r.actor, r.reference_ids, r.updated_at`;
const summaryColumns =
  "d.id, d.type, d.name, r.revision, r.schema_version, d.created_at, r.updated_at";

/** The part of a prepared better-sqlite3 statement the store uses. */
export interface PreparedStatement<Row> {
  get(...parameters: unknown[]): Row | undefined;
  all(...parameters: unknown[]): Row[];
  run(...parameters: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

/** Every statement the store runs, prepared once per connection. Input is always bound. */
export function prepareStatements(database: Database) {
  const prepare = <Row>(sql: string): PreparedStatement<Row> =>
    database.prepare<unknown[], Row>(sql);
  return {
    headBySlug: prepare<HeadRow>(
      `SELECT ${headColumns} FROM documents d WHERE d.type = ? AND d.name = ?`,
    ),
    headById: prepare<HeadRow>(`SELECT ${headColumns} FROM documents d WHERE d.id = ?`),
    newestBySlug: prepare<DocumentRow>(
      `SELECT ${documentColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE d.type = ? AND d.name = ?`,
    ),
    newestById: prepare<DocumentRow>(
      `SELECT ${documentColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE d.id = ?`,
    ),
    revisionBySlug: prepare<DocumentRow>(
      `SELECT ${documentColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ? WHERE d.type = ? AND d.name = ? AND r.revision > ${newestRevision} - ?`,
    ),
    revisionById: prepare<DocumentRow>(
      `SELECT ${documentColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ? WHERE d.id = ? AND r.revision > ${newestRevision} - ?`,
    ),
    newestByIds: prepare<DocumentRow>(
      `SELECT ${documentColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE d.id IN (SELECT value FROM json_each(?))`,
    ),
    revision: prepare<RevisionRow>(
      "SELECT revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at FROM revisions WHERE document_id = ? AND revision = ?",
    ),
    insertDocument: prepare(
      "INSERT INTO documents (id, type, name, created_at, data_key_master_id, data_key_wrapped) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    updateDataKey: prepare(
      "UPDATE documents SET data_key_master_id = ?, data_key_wrapped = ? WHERE id = ?",
    ),
    renameDocument: prepare("UPDATE documents SET name = ? WHERE id = ?"),
    insertRevision: prepare(
      "INSERT INTO revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    pruneRevisions: prepare("DELETE FROM revisions WHERE document_id = ? AND revision <= ?"),
    deleteRevisions: prepare("DELETE FROM revisions WHERE document_id = ?"),
    deleteDocument: prepare("DELETE FROM documents WHERE id = ?"),
    deleteReferencesFrom: prepare("DELETE FROM document_references WHERE from_id = ?"),
    insertReference: prepare("INSERT INTO document_references (from_id, to_id) VALUES (?, ?)"),
    missingReference: prepare<{ value: string }>(
      "SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM documents) LIMIT 1",
    ),
    reaches: prepare<{ found: number }>(
      `WITH RECURSIVE reachable(id) AS (
         SELECT value FROM json_each(?)
         UNION
         SELECT r.to_id FROM document_references r JOIN reachable ON r.from_id = reachable.id
       )
       SELECT 1 AS found FROM reachable WHERE id = ? LIMIT 1`,
    ),
    referencesFrom: prepare<{ to_id: string }>(
      "SELECT to_id FROM document_references WHERE from_id = ? ORDER BY to_id",
    ),
    slugOf: prepare<{ type: string; name: string }>(
      "SELECT type, name FROM documents WHERE id = ?",
    ),
    referrers: prepare<SummaryRow>(
      `SELECT ${summaryColumns} FROM document_references x JOIN documents d ON d.id = x.from_id JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE x.to_id = ? AND x.from_id != x.to_id ORDER BY d.type, d.name`,
    ),
    listAll: prepare<SummaryRow>(
      `SELECT ${summaryColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE (d.type, d.name) > (?, ?) ORDER BY d.type, d.name LIMIT ?`,
    ),
    listType: prepare<SummaryRow>(
      `SELECT ${summaryColumns} FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = ${newestRevision} WHERE d.type = ? AND d.name > ? ORDER BY d.type, d.name LIMIT ?`,
    ),
    history: prepare<RevisionRow>(
      "SELECT revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at FROM revisions WHERE document_id = ? AND revision > ? ORDER BY revision DESC",
    ),
    putBlockType: prepare(
      "INSERT INTO block_types (type, record) VALUES (?, ?) ON CONFLICT (type) DO UPDATE SET record = excluded.record",
    ),
    getBlockType: prepare<{ record: string }>("SELECT record FROM block_types WHERE type = ?"),
    listBlockTypes: prepare<{ record: string }>("SELECT record FROM block_types ORDER BY type"),
    listDataKeys: prepare<{ id: string; data_key_master_id: string; data_key_wrapped: string }>(
      "SELECT id, data_key_master_id, data_key_wrapped FROM documents WHERE data_key_master_id IS NOT NULL AND data_key_master_id != ? AND id > ? ORDER BY id LIMIT ?",
    ),
    replaceDataKey: prepare(
      "UPDATE documents SET data_key_master_id = ?, data_key_wrapped = ? WHERE id = ? AND data_key_master_id = ? AND data_key_wrapped = ?",
    ),
    getMeta: prepare<{ value: string }>("SELECT value FROM store_meta WHERE key = ?"),
    listMasterKeys: prepare<{ id: string; is_current: number; first_used_at: string }>(
      "SELECT id, is_current, first_used_at FROM master_keys ORDER BY position, id",
    ),
    currentMasterKey: prepare<{ id: string }>("SELECT id FROM master_keys WHERE is_current = 1"),
    recordMasterKey: prepare(
      "INSERT OR IGNORE INTO master_keys (id, is_current, first_used_at, position) VALUES (?, 0, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM master_keys))",
    ),
    clearCurrentMasterKey: prepare("UPDATE master_keys SET is_current = 0 WHERE is_current = 1"),
    markCurrentMasterKey: prepare("UPDATE master_keys SET is_current = 1 WHERE id = ?"),
    recordChange: prepare(
      "INSERT INTO changes (id, type, name, revision, operation) VALUES (?, ?, ?, ?, ?)",
    ),
    pruneChanges: prepare("DELETE FROM changes WHERE seq <= ?"),
    changesAfter: prepare<ChangeRow>(
      "SELECT seq, id, type, name, revision, operation FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
    ),
    lastChange: prepare<{ seq: number }>("SELECT COALESCE(MAX(seq), 0) AS seq FROM changes"),
    setMeta: prepare(
      "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    createMeta: prepare(
      "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
    ),
    replaceMeta: prepare("UPDATE store_meta SET value = ? WHERE key = ? AND value = ?"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
