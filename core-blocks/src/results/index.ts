export {
  getDefaultResultStorage,
  isWritableFileSystem,
  type ResultStorage,
  resolveResultStorage,
  setDefaultResultStorage,
} from "./default-result-storage.js";
export { LocalFileStorage, temporaryFileSuffix } from "./local-file-storage.js";
export { LocalFileSystem } from "./local-file-system.js";
export {
  getDefaultResultStore,
  type PersistedOptions,
  persisted,
  persistedKey,
  persistedKeyRecipe,
} from "./persisted.js";
export {
  type Compression,
  compressionSchema,
  type ResultMetadata,
  resultMetadataSchema,
} from "./result-metadata.js";
export {
  type GetResultOptions,
  type PruneResultsOptions,
  type PutResultOptions,
  ResultStore,
  type ResultStoreOptions,
} from "./result-store.js";
export { decodeRich, encodeRich } from "./rich-encoding.js";
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
  isWritableContent,
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
