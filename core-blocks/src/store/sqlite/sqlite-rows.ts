import type { JsonObject } from "../../schema/index.js";
import type {
  DefiningPackage,
  DocumentSummary,
  RevisionSummary,
  StoredDocument,
  WrappedDataKey,
} from "../block-store.js";
import type { DocumentRow, RevisionRow, SummaryRow } from "./sqlite-statements.js";

/** A selected document row as the contract's `StoredDocument`. */
export function toDocument(row: DocumentRow): StoredDocument {
  const document: StoredDocument = {
    id: row.id,
    type: row.type,
    name: row.name,
    revision: row.revision,
    data: JSON.parse(row.data) as JsonObject,
    schemaChecksum: row.schema_checksum,
    schemaVersion: row.schema_version,
    references: JSON.parse(row.reference_ids) as string[],
    dataKey: toDataKey(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.package !== null) document.package = JSON.parse(row.package) as DefiningPackage;
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
  return summary;
}
