import { LocalFileStorage } from "./local-file-storage.js";

/** Settings of a `LocalFileSystem`. */
export interface LocalFileSystemSettings {
  /** Folder that holds the files; a relative path is resolved against the working directory. */
  basePath: string;
}

/**
 * Files in a folder on this machine (block type `local-file-system`, capabilities `read-path` and
 * `write-path`). Writes are atomic (temporary file, fsync, rename, folder fsync) and streamed.
 */
export class LocalFileSystem extends LocalFileStorage {
  /** The block type slug. */
  static readonly type = "local-file-system";

  constructor(settings: LocalFileSystemSettings) {
    super(settings.basePath);
  }
}
