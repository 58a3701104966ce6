export type {
  FileEntry,
  ReadPathOptions,
  TransferProgress,
  WritableContent,
  WritableFileSystem,
  WritePathOptions,
} from "./writable-file-system.js";
