import type { Readable } from "node:stream";
import type {
  FileEntry,
  ReadPathOptions,
  WritableContent,
  WritableFileSystem,
  WritePathOptions,
} from "../results/index.js";
import type { FolderTransferOptions, ObjectStore } from "./object-store.js";

/** The method by which a storage block hands its `ObjectStore` to `withObjectStoreMethods`. */
export const objectStoreOf: unique symbol = Symbol("tessera.objectStoreOf");

/**
 * Adds the storage-block methods every object store shares (read, write, stream, list, local
 * file and folder transfers, streaming from another file system) to a block class, each served by
 * the block's `ObjectStore`, which the class gives by implementing `[objectStoreOf]()`. Provider
 * specifics (the key's name, listing, server-side copy and move) stay in the provider's class.
 *
 * ```ts
 * export class AcmeBucket extends withObjectStoreMethods(defineBlock({ … })) {
 *   [objectStoreOf](): ObjectStore { return new ObjectStore(acmeWire, this.folder); }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor takes any arguments.
export function withObjectStoreMethods<Base extends abstract new (...args: any[]) => object>(
  base: Base,
) {
  abstract class ObjectStoreMethods extends base implements WritableFileSystem {
    /** The object store of this block's folder. */
    abstract [objectStoreOf](): ObjectStore;

    /** Reads a file whole. `FILE_NOT_FOUND` when there is none. */
    readPath(path: string, options: ReadPathOptions = {}): Promise<Uint8Array> {
      return this[objectStoreOf]().readPath(path, options);
    }

    /** Opens a file as a stream. `FILE_NOT_FOUND` when there is none. */
    createReadStream(path: string, options: ReadPathOptions = {}): Promise<Readable> {
      return this[objectStoreOf]().createReadStream(path, options);
    }

    /** Writes a file whole or not at all, streamed. Returns the path written. */
    writePath(
      path: string,
      content: WritableContent,
      options: WritePathOptions = {},
    ): Promise<string> {
      return this[objectStoreOf]().writePath(path, content, options);
    }

    /** Whether a file exists at the path. */
    exists(path: string): Promise<boolean> {
      return this[objectStoreOf]().exists(path);
    }

    /** Deletes a file. Returns false when there was none. */
    delete(path: string): Promise<boolean> {
      return this[objectStoreOf]().delete(path);
    }

    /** Files under a prefix, at any depth, a page at a time as they are listed. */
    list(prefix = ""): AsyncIterable<FileEntry> {
      return this[objectStoreOf]().list(prefix);
    }

    /**
     * Uploads a local file, streamed. Returns the path written, relative to the block's folder.
     * @default path: the file's name
     */
    uploadFromPath(
      localPath: string,
      path?: string,
      options: WritePathOptions = {},
    ): Promise<string> {
      return this[objectStoreOf]().uploadFromPath(localPath, path, options);
    }

    /**
     * Downloads a file to a local file, streamed. The local file appears whole or not at all
     * (written beside it, then renamed). Returns the local path.
     * @default localPath: the file's name in the working folder
     */
    downloadToPath(
      path: string,
      localPath?: string,
      options: ReadPathOptions = {},
    ): Promise<string> {
      return this[objectStoreOf]().downloadToPath(path, localPath, options);
    }

    /**
     * Downloads every file under a folder (relative to the block's folder; `""` for all of it)
     * into a local directory, keeping their paths below the folder: `reports/2024/a.json` under
     * folder `reports` becomes `<localDirectory>/2024/a.json`. Each file appears whole or not at
     * all. Returns the local paths written.
     */
    downloadFolderToPath(
      folder: string,
      localDirectory: string,
      options: FolderTransferOptions = {},
    ): Promise<string[]> {
      return this[objectStoreOf]().downloadFolderToPath(folder, localDirectory, options);
    }

    /**
     * Uploads every file under a local directory (recursively; symbolic links and other
     * non-files are skipped) into a folder, keeping their relative paths. Files matched by
     * `options.ignore` or by the directory's `.tesseraignore` (gitignore syntax) are left out.
     * Returns the paths written, relative to the block's folder.
     */
    uploadFromFolder(
      localDirectory: string,
      folder = "",
      options: FolderTransferOptions = {},
    ): Promise<string[]> {
      return this[objectStoreOf]().uploadFromFolder(localDirectory, folder, options);
    }

    /**
     * Streams a file from any file system (another bucket with other credentials, a local
     * folder, another provider) into this one without holding it in memory; `copyObject` copies
     * within one service instead. Returns the path written.
     * @default toPath: fromPath
     */
    streamFrom(
      source: WritableFileSystem,
      fromPath: string,
      toPath?: string,
      options: WritePathOptions = {},
    ): Promise<string> {
      return this[objectStoreOf]().streamFrom(source, fromPath, toPath, options);
    }
  }
  return ObjectStoreMethods;
}
