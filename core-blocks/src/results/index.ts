export {
  type ResultStorageSetting,
  resolveDefaultResultStorage,
  setDefaultResultStorage,
} from "./default-result-storage.js";
export { LocalFileSystem } from "./local-file-system.js";
export { type PersistedOptions, persisted, persistedKey } from "./persisted.js";
export type { Compression, ResultMetadata } from "./result-metadata.js";
export {
  type GetResultOptions,
  type PruneResultsOptions,
  type PutResultOptions,
  ResultStore,
  type ResultStoreOptions,
} from "./result-store.js";
export {
  binarySerializer,
  builtInSerializers,
  jsonSerializer,
  richSerializer,
  type Serializer,
} from "./serializer.js";
export {
  resolveBaseFolder,
  resolveStoragePath,
  resolveStoragePrefix,
  StoragePathResolver,
} from "./storage-path.js";
export {
  knownContentLength,
  progressStream,
  readAllBytes,
  writableContentChunks,
  writableContentToReadable,
} from "./writable-content.js";
export type {
  FileEntry,
  ReadPathOptions,
  TransferProgress,
  WritableContent,
  WritableFileSystem,
  WritePathOptions,
} from "./writable-file-system.js";
