export type {
  BlockStore,
  BlockTypeRecord,
  DefiningPackage,
  DocumentRef,
  DocumentSummary,
  ListDocumentsOptions,
  Page,
  PutDocumentInput,
  RevisionSummary,
  StoredDocument,
  StoreLimits,
  WrappedDataKey,
} from "./block-store.js";
