export { LocalFileStorage, temporaryFileSuffix } from "./local-file-storage.js";
export { LocalFileSystem, type LocalFileSystemSettings } from "./local-file-system.js";
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
