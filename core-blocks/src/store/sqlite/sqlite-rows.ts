import type { JsonObject } from "../../schema/index.js";
import type {
  DefiningPackage,
  DocumentSummary,
  RevisionSummary,
  StoredDocument,
  WrappedDataKey,
} from "../block-store.js";
import type { DocumentRow, RevisionRow, SummaryRow } from "./sqlite-statements.js";

/**
 * A stored column that does not parse as the JSON it should hold. The store turns it into
 * `STORE_CORRUPTED` naming its file; the column's text (which may hold configuration) is never shown.
 */
export class CorruptRowError extends Error {
  constructor(
    readonly row: string,
    readonly column: string,
  ) {
    super(`the ${column} column of ${row} is not valid JSON`);
  }
}

/** `JSON.parse` of a stored column, failing with `CorruptRowError` naming the row. */
export function parseColumn<T>(text: string, row: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CorruptRowError(row, column);
  }
}

/** A selected document row as the contract's `StoredDocument`. */
export function toDocument(row: DocumentRow): StoredDocument {
  const where = `document "${row.type}/${row.name}" (revision ${row.revision})`;
  const document: StoredDocument = {
    id: row.id,
    type: row.type,
    name: row.name,
    revision: row.revision,
    data: parseColumn<JsonObject>(row.data, where, "data"),
    schemaChecksum: row.schema_checksum,
    schemaVersion: row.schema_version,
    references: parseColumn<string[]>(row.reference_ids, where, "reference_ids"),
    dataKey: toDataKey(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.package !== null) {
    document.package = parseColumn<DefiningPackage>(row.package, where, "package");
  }
  if (row.actor !== null) document.actor = row.actor;
  return document;
}

/** The wrapped data key of a document row, or `null`. */
export function toDataKey(row: {
  data_key_master_id: string | null;
  data_key_wrapped: string | null;
}): WrappedDataKey | null {
  return row.data_key_master_id === null || row.data_key_wrapped === null
    ? null
    : { masterKeyId: row.data_key_master_id, wrapped: row.data_key_wrapped };
}

/** A selected summary row as the contract's `DocumentSummary`. */
export function toSummary(row: SummaryRow): DocumentSummary {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    revision: row.revision,
    schemaVersion: row.schema_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A revision row as one history entry. */
export function toRevisionSummary(row: RevisionRow): RevisionSummary {
  const summary: RevisionSummary = {
    revision: row.revision,
    schemaChecksum: row.schema_checksum,
    schemaVersion: row.schema_version,
    updatedAt: row.updated_at,
    operation: row.operation,
  };
  if (row.restored_from !== null) summary.restoredFrom = row.restored_from;
  if (row.actor !== null) summary.actor = row.actor;
  return summary;
}
