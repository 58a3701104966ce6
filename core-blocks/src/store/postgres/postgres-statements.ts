/**
 * Every statement the PostgreSQL store runs, for the schema `s` (a quoted identifier). Input is
 * always bound; the schema name is the only text put into SQL, and it is validated and quoted.
 * Each statement has a name, so `pg` prepares it once per connection.
 */
export function postgresStatements(s: string, prefix: string) {
  const named = (name: string, text: string) => ({ name: `${prefix}_${name}`, text });
  const headColumns = `d.id, d.type, d.name, d.revision, d.created_at, d.data_key_master_id, d.data_key_wrapped, EXISTS (SELECT 1 FROM ${s}.document_references x WHERE x.from_id = d.id) AS has_references`;
  const documentColumns =
    "d.id, d.type, d.name, r.revision, d.created_at, d.data_key_master_id, d.data_key_wrapped, r.data, r.schema_checksum, r.schema_version, r.package, r.actor, r.reference_ids, r.updated_at";
  const summaryColumns =
    "d.id, d.type, d.name, r.revision, r.schema_version, d.created_at, r.updated_at";
  const newest = `${s}.documents d JOIN ${s}.revisions r ON r.document_id = d.id AND r.revision = d.revision`;
  const revisionColumns =
    "revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at";
  return {
    headBySlug: named(
      "head_slug",
      `SELECT ${headColumns} FROM ${s}.documents d WHERE d.type = $1 AND d.name = $2`,
    ),
    headById: named("head_id", `SELECT ${headColumns} FROM ${s}.documents d WHERE d.id = $1`),
    newestBySlug: named(
      "newest_slug",
      `SELECT ${documentColumns} FROM ${newest} WHERE d.type = $1 AND d.name = $2`,
    ),
    newestById: named("newest_id", `SELECT ${documentColumns} FROM ${newest} WHERE d.id = $1`),
    /** The newest revisions of several slugs, given as two arrays of types and names. */
    newestBySlugs: named(
      "newest_slugs",
      `SELECT ${documentColumns} FROM ${newest} WHERE (d.type, d.name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    ),
    newestByIds: named(
      "newest_ids",
      `SELECT ${documentColumns} FROM ${newest} WHERE d.id = ANY($1::text[])`,
    ),
    revisionBySlug: named(
      "revision_slug",
      `SELECT ${documentColumns} FROM ${s}.documents d JOIN ${s}.revisions r ON r.document_id = d.id AND r.revision = $3 WHERE d.type = $1 AND d.name = $2 AND r.revision > d.revision - $4`,
    ),
    revisionById: named(
      "revision_id",
      `SELECT ${documentColumns} FROM ${s}.documents d JOIN ${s}.revisions r ON r.document_id = d.id AND r.revision = $2 WHERE d.id = $1 AND r.revision > d.revision - $3`,
    ),
    revision: named(
      "revision",
      `SELECT ${revisionColumns} FROM ${s}.revisions WHERE document_id = $1 AND revision = $2`,
    ),
    /**
     * Creates a document with its first revision in one statement; no row when the slug is taken
     * (a concurrent create won).
     */
    create: named(
      "create",
      `WITH doc AS (
         INSERT INTO ${s}.documents (id, type, name, revision, created_at, data_key_master_id, data_key_wrapped)
         VALUES ($1, $2, $3, 1, $4, $5, $6)
         ON CONFLICT (type, name) DO NOTHING
         RETURNING id
       )
       INSERT INTO ${s}.revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at)
       SELECT id, 1, $7, $8, $9, $10, $12, $11, 'save', NULL, $4 FROM doc
       RETURNING revision`,
    ),
    /**
     * Compare-and-swap in one statement: bumps the revision of document $1 only if it is still
     * $2, and writes the new revision row. No row back: another write got there first. A data key
     * is only stored when the document has none (the stored one wins).
     */
    append: named(
      "append",
      `WITH head AS (
         UPDATE ${s}.documents SET
           revision = revision + 1,
           name = COALESCE($3, name),
           data_key_master_id = COALESCE(data_key_master_id, $4),
           data_key_wrapped = CASE WHEN data_key_master_id IS NULL THEN $5 ELSE data_key_wrapped END
         WHERE id = $1 AND revision = $2
         RETURNING id, type, name, revision, created_at, data_key_master_id, data_key_wrapped
       ), written AS (
         INSERT INTO ${s}.revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at)
         SELECT id, revision, $6, $7, $8, $9, $14, $10, $11, $12, $13 FROM head
       )
       SELECT id, type, name, revision, created_at, data_key_master_id, data_key_wrapped FROM head`,
    ),
    /**
     * A save of a new document without references or data key as ONE statement (its own
     * transaction): the document, its first revision and the change notice. No row when the slug
     * is taken; the caller then judges in a full transaction.
     */
    saveNew: named(
      "save_new",
      `WITH doc AS (
         INSERT INTO ${s}.documents (id, type, name, revision, created_at)
         VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (type, name) DO NOTHING
         RETURNING id, type, name, revision, created_at
       ), written AS (
         INSERT INTO ${s}.revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at)
         SELECT id, 1, $5, $6, $7, $8, $10, '[]', 'save', NULL, $4 FROM doc
       )
       SELECT id, type, name, revision, created_at, NULL::text AS data_key_master_id, NULL::text AS data_key_wrapped,
         pg_notify($9, json_build_object('id', id, 'type', type, 'name', name, 'revision', revision, 'operation', 'save')::text) AS notified
       FROM doc`,
    ),
    /**
     * A save of the next revision of an existing document without references as ONE statement
     * (its own transaction): compare-and-swap on the revision ($3, or any when null), the new
     * revision row, the old references cleared, every $11th save the revisions
     * beyond the kept window ($10) pruned, and the change notice. Only when the document already
     * holds a data key or the save brings none ($4), so no master-key check is due. No row: the
     * caller judges in a full transaction (a conflict, a missing document, a new data key).
     */
    saveNext: named(
      "save_next",
      `WITH head AS (
         UPDATE ${s}.documents SET revision = revision + 1
         WHERE type = $1 AND name = $2 AND ($3::integer IS NULL OR revision = $3::integer)
           AND ($4::text IS NULL OR data_key_master_id IS NOT NULL)
         RETURNING id, type, name, revision, created_at, data_key_master_id, data_key_wrapped
       ), written AS (
         INSERT INTO ${s}.revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at)
         SELECT id, revision, $5, $6, $7, $8, $13, '[]', 'save', NULL, $9 FROM head
       ), unreferenced AS (
         DELETE FROM ${s}.document_references WHERE from_id IN (SELECT id FROM head)
       ), pruned AS (
         DELETE FROM ${s}.revisions r USING head
         WHERE r.document_id = head.id AND head.revision % $11::integer = 0
           AND r.revision <= head.revision - $10::integer
       )
       SELECT id, type, name, revision, created_at, data_key_master_id, data_key_wrapped,
         pg_notify($12, json_build_object('id', id, 'type', type, 'name', name, 'revision', revision, 'operation', 'save')::text) AS notified
       FROM head`,
    ),
    /** A copied document row as it was stored; no row when a document with its id is there. */
    copyDocument: named(
      "copy_document",
      `INSERT INTO ${s}.documents (id, type, name, revision, created_at, data_key_master_id, data_key_wrapped)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
    ),
    /** The copied document already there: the same one when slug and revision agree. */
    copiedDocument: named(
      "copied_document",
      `SELECT type, name, revision FROM ${s}.documents WHERE id = $1`,
    ),
    /** Every revision of a copied document in one statement, one array per column. */
    copyRevisions: named(
      "copy_revisions",
      `INSERT INTO ${s}.revisions (document_id, revision, data, schema_checksum, schema_version, package, actor, reference_ids, operation, restored_from, updated_at)
       SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $11::text[], $7::text[], $8::text[], $9::integer[], $10::text[])`,
    ),
    copyReferences: named(
      "copy_refs",
      `INSERT INTO ${s}.document_references (from_id, to_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
    ),
    pruneRevisions: named(
      "prune",
      `DELETE FROM ${s}.revisions WHERE document_id = $1 AND revision <= $2`,
    ),
    deleteDocument: named("delete", `DELETE FROM ${s}.documents WHERE id = $1`),
    deleteReferencesFrom: named(
      "delete_refs_from",
      `DELETE FROM ${s}.document_references WHERE from_id = $1`,
    ),
    deleteReferencesTo: named(
      "delete_refs_to",
      `DELETE FROM ${s}.document_references WHERE to_id = $1`,
    ),
    insertReferences: named(
      "insert_refs",
      `INSERT INTO ${s}.document_references (from_id, to_id) SELECT $1, unnest($2::text[])`,
    ),
    missingReference: named(
      "missing_ref",
      `SELECT value FROM unnest($1::text[]) AS value WHERE NOT EXISTS (SELECT 1 FROM ${s}.documents WHERE id = value) LIMIT 1`,
    ),
    reaches: named(
      "reaches",
      `WITH RECURSIVE reachable(id) AS (
         SELECT unnest($1::text[]) COLLATE "C"
         UNION
         SELECT x.to_id FROM ${s}.document_references x JOIN reachable ON x.from_id = reachable.id
       )
       SELECT 1 AS found FROM reachable WHERE id = $2 LIMIT 1`,
    ),
    referencesFrom: named(
      "refs_from",
      `SELECT to_id FROM ${s}.document_references WHERE from_id = $1 ORDER BY to_id`,
    ),
    slugOf: named("slug_of", `SELECT type, name FROM ${s}.documents WHERE id = $1`),
    referrers: named(
      "referrers",
      `SELECT ${summaryColumns} FROM ${s}.document_references x JOIN ${newest} ON d.id = x.from_id WHERE x.to_id = $1 AND x.from_id <> x.to_id ORDER BY d.type, d.name`,
    ),
    listAll: named(
      "list_all",
      `SELECT ${summaryColumns} FROM ${newest} WHERE (d.type, d.name) > ($1, $2) ORDER BY d.type, d.name LIMIT $3`,
    ),
    listType: named(
      "list_type",
      `SELECT ${summaryColumns} FROM ${newest} WHERE d.type = $1 AND d.name > $2 ORDER BY d.type, d.name LIMIT $3`,
    ),
    history: named(
      "history",
      `SELECT ${revisionColumns} FROM ${s}.revisions WHERE document_id = $1 AND revision > $2 ORDER BY revision DESC`,
    ),
    putBlockType: named(
      "put_type",
      `INSERT INTO ${s}.block_types (type, record) VALUES ($1, $2) ON CONFLICT (type) DO UPDATE SET record = excluded.record`,
    ),
    getBlockType: named("get_type", `SELECT record FROM ${s}.block_types WHERE type = $1`),
    listBlockTypes: named("list_types", `SELECT record FROM ${s}.block_types ORDER BY type`),
    listDataKeys: named(
      "list_keys",
      `SELECT id, data_key_master_id, data_key_wrapped FROM ${s}.documents WHERE data_key_master_id IS NOT NULL AND data_key_master_id <> $1 AND id > $2 ORDER BY id LIMIT $3`,
    ),
    replaceDataKey: named(
      "replace_key",
      `UPDATE ${s}.documents SET data_key_master_id = $1, data_key_wrapped = $2 WHERE id = $3 AND data_key_master_id = $4 AND data_key_wrapped = $5`,
    ),
    getMeta: named("get_meta", `SELECT value FROM ${s}.store_meta WHERE key = $1`),
    setMeta: named(
      "set_meta",
      `INSERT INTO ${s}.store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
    createMeta: named(
      "create_meta",
      `INSERT INTO ${s}.store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
    ),
    replaceMeta: named(
      "replace_meta",
      `UPDATE ${s}.store_meta SET value = $2 WHERE key = $1 AND value = $3`,
    ),
    listMasterKeys: named(
      "list_master_keys",
      `SELECT id, is_current, first_used_at FROM ${s}.master_keys ORDER BY position, id`,
    ),
    currentMasterKey: named(
      "current_master_key",
      `SELECT id FROM ${s}.master_keys WHERE is_current`,
    ),
    recordMasterKey: named(
      "record_master_key",
      `INSERT INTO ${s}.master_keys (id, first_used_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
    ),
    clearCurrentMasterKey: named(
      "clear_current",
      `UPDATE ${s}.master_keys SET is_current = false WHERE is_current`,
    ),
    markCurrentMasterKey: named(
      "mark_current",
      `UPDATE ${s}.master_keys SET is_current = true WHERE id = $1`,
    ),
    notify: named("notify", "SELECT pg_notify($1, $2)"),
    lock: named("lock", "SELECT pg_advisory_xact_lock(hashtext($1))"),
    lockShared: named("lock_shared", "SELECT pg_advisory_xact_lock_shared(hashtext($1))"),
  };
}

export type PostgresStatements = ReturnType<typeof postgresStatements>;
