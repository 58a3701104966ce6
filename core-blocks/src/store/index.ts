export { localActor } from "./actor.js";
export type {
  BlockStore,
  BlockTypeRecord,
  DefiningPackage,
  DocumentRef,
  DocumentSummary,
  ListDocumentsOptions,
  MasterKeyRecord,
  Page,
  PutDocumentInput,
  RevisionSummary,
  RevisionWriteOptions,
  StoreChange,
  StoredDocument,
  StoreLimits,
  StoreWatch,
  WatchOptions,
  WrappedDataKey,
} from "./block-store.js";
export {
  type CopyStoreOptions,
  type CopyStoreResult,
  copyStore,
} from "./copy-store.js";
export { getDefaultStore, setDefaultStore } from "./default-store.js";
export {
  type HttpBlockStore,
  type HttpStoreOptions,
  openHttpStore,
} from "./http/http-store.js";
export { createMemoryStore, type MemoryStoreOptions } from "./memory/index.js";
export {
  openPostgresStore,
  type PostgresBlockStore,
  type PostgresStoreOptions,
} from "./postgres/postgres-store.js";
export {
  createProfile,
  deleteProfile,
  profilesFilePath,
  readProfiles,
  type StoreProfile,
  useProfile,
} from "./profiles.js";
export {
  defaultStoreLimits,
  openSqliteStore,
  type SqliteBlockStore,
  type SqliteStoreOptions,
} from "./sqlite/sqlite-store.js";
export {
  resolveStoreSelection,
  type SettingSource,
  setProfileFlag,
} from "./store-selection.js";
export { ensureTesseraHome, tesseraHome } from "./tessera-home.js";
