/**
 * `@tessera/core/provider`: what integration packages need to implement storage blocks and
 * clients, and users do not. A storage provider implements only its wire operations
 * (`ObjectStoreWire`) and gets the rest from `ObjectStore`.
 */

export { setDefiningPackage } from "../block/index.js";
export { isCoreVersionInRange } from "../integration/index.js";
export { logDebug } from "../log/index.js";
export {
  checkNotifyMessage,
  DEFAULT_NOTIFY_DEADLINE_MS,
  NotificationDeadline,
  type NotificationRequest,
  type NotificationResponse,
  parseRetryAfter,
  sendNotificationRequest,
} from "../notify/index.js";
export {
  knownContentLength,
  progressStream,
  readAllBytes,
  resolveBaseFolder,
  resolveStoragePath,
  resolveStoragePrefix,
  StoragePathResolver,
  writableContentChunks,
  writableContentToReadable,
} from "../results/index.js";
export { givenSecretProblem } from "../secrets/index.js";
export { abortableChunks } from "./abortable-chunks.js";
export { ClientCache, type ClientCacheOptions } from "./client-cache.js";
export { fingerprint } from "./fingerprint.js";
export { type ConcurrencyOptions, forEachConcurrently } from "./for-each-concurrently.js";
export {
  type ListLocalFolderOptions,
  type LocalFolderFile,
  listLocalFolder,
  localFile,
  TESSERA_IGNORE_FILE,
  writeLocalFileAtomically,
} from "./local-files.js";
export {
  type FolderTransferOptions,
  folderPrefix,
  type ListObjectsOptions,
  type ObjectBody,
  type ObjectEntry,
  type ObjectListPage,
  ObjectStore,
  type ObjectStoreWire,
} from "./object-store.js";
export { objectStoreOf, withObjectStoreMethods } from "./object-store-methods.js";
export { ObjectStoreByFolder, storageFolderField } from "./storage-folder.js";
