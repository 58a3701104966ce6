import { createReadStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { addAbortSignal, pipeline, type Readable } from "node:stream";
import { FileNotFoundError } from "../errors/index.js";
import {
  type FileEntry,
  knownContentLength,
  progressStream,
  type ReadPathOptions,
  readAllBytes,
  resolveBaseFolder,
  StoragePathResolver,
  type TransferProgress,
  type WritableContent,
  type WritableFileSystem,
  type WritePathOptions,
} from "../results/index.js";
import { type ConcurrencyOptions, forEachConcurrently } from "./for-each-concurrently.js";
import {
  type ListLocalFolderOptions,
  listLocalFolder,
  localFile,
  writeLocalFileAtomically,
} from "./local-files.js";

/** An object as a listing page or a stat names it, by its full key in the store. */
export interface ObjectEntry {
  /** The full key (base folder included). */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Last modification, when the service reports it. */
  modifiedAt?: Date;
}

/** One page of a listing. */
export interface ObjectListPage {
  /** Objects of the page, in the service's order. */
  entries: ObjectEntry[];
  /** What to pass to get the next page; `undefined` when this page is the last. */
  nextCursor?: string;
}

/** What reading an object answers. */
export interface ObjectBody {
  /** The bytes; `undefined` for an empty object the service sent without a body. */
  body: Readable | undefined;
  /** The object's size when the service says it. */
  contentLength?: number;
}

/**
 * The wire operations of one object store (an S3 bucket, a GCS bucket, an Azure container): the
 * only part a storage provider writes. Keys are full keys; errors are the provider's own
 * (translated into Tessera errors that name the bucket). `ObjectStore` adds the rest.
 */
export interface ObjectStoreWire {
  /** Where objects under `baseFolder` live, for messages: `s3://bucket/folder`. */
  describeLocation(baseFolder: string): string;
  /**
   * Opens an object for reading. A missing object throws `notFound(cause)`; an aborted `signal`
   * stops the request.
   */
  readObject(
    key: string,
    options: { signal?: AbortSignal; notFound: (cause: unknown) => Error },
  ): Promise<ObjectBody>;
  /**
   * Writes an object whole, atomically (a reader sees the old object or the new one), and calls
   * `onBytes` with the bytes sent so far. An abort or a failure leaves no partial object.
   */
  writeObject(
    key: string,
    content: WritableContent,
    options: { signal?: AbortSignal; totalBytes?: number; onBytes: (bytes: number) => void },
  ): Promise<void>;
  /** The object under a key, or `undefined` when there is none. */
  statObject(key: string): Promise<ObjectEntry | undefined>;
  /** Deletes an object (a missing one is not an error). */
  deleteObject(key: string): Promise<void>;
  /**
   * One page of the objects whose keys start with `prefix`, in key order. With `delimiter: "/"`,
   * only the objects directly under the prefix.
   */
  listPage(
    prefix: string,
    options: { delimiter?: "/"; cursor?: string; signal?: AbortSignal },
  ): Promise<ObjectListPage>;
  /**
   * Copies an object on the service side into this store. `source` is a wire of the same kind
   * (another bucket); a missing source object throws `notFound(cause)`.
   */
  copyObject(
    source: { wire: ObjectStoreWire; key: string },
    destinationKey: string,
    options: { notFound: (cause: unknown) => Error },
  ): Promise<void>;
}

/** Options of `ObjectStore.listObjects`. */
export interface ListObjectsOptions {
  /** Stop after this many objects. @default undefined (all of them) */
  maxItems?: number;
  /**
   * `"/"` lists only the objects directly in the folder, not those in its subfolders.
   * @default undefined (every object under the folder, at any depth)
   */
  delimiter?: "/";
}

/** Options of folder downloads and uploads. */
export interface FolderTransferOptions extends ConcurrencyOptions, ListLocalFolderOptions {}

/** The listing prefix of a folder name: `""` stays `""`, anything else gets one trailing `/`. */
export function folderPrefix(folder: string): string {
  const resolved = resolveBaseFolder(folder);
  return resolved === "" ? "" : `${resolved}/`;
}

/**
 * Everything a storage block does on top of its wire operations: path resolution under a base
 * folder (joined exactly once), progress and abort on reads and writes, listings that page,
 * local file and folder transfers with bounded concurrency and atomic local writes, streaming
 * from any file system, and moves. A provider builds one from its `ObjectStoreWire` and its base
 * folder, and delegates its `WritableFileSystem` methods to it.
 */
export class ObjectStore implements WritableFileSystem {
  readonly wire: ObjectStoreWire;
  readonly resolver: StoragePathResolver;

  constructor(wire: ObjectStoreWire, baseFolder = "") {
    this.wire = wire;
    this.resolver = new StoragePathResolver(baseFolder);
  }

  /** Where this store's objects live, for messages: `s3://bucket/folder`. */
  get location(): string {
    return this.wire.describeLocation(this.resolver.baseFolder);
  }

  /** The full key of a path: base folder + resolved path. */
  objectKey(path: string): string {
    return this.resolver.location(path);
  }

  #notFound(path: string): (cause: unknown) => Error {
    return (cause) =>
      new FileNotFoundError({ path: this.resolver.key(path), location: this.location, cause });
  }

  async readPath(path: string, options: ReadPathOptions = {}): Promise<Uint8Array> {
    return readAllBytes(await this.createReadStream(path, options));
  }

  async createReadStream(path: string, options: ReadPathOptions = {}): Promise<Readable> {
    const { signal } = options;
    signal?.throwIfAborted();
    const key = this.objectKey(path);
    const object = await this.wire.readObject(key, {
      ...(signal ? { signal } : {}),
      notFound: this.#notFound(path),
    });
    const counter = progressStream(options.onProgress, object.contentLength);
    if (signal) addAbortSignal(signal, counter);
    if (!object.body) {
      counter.end();
      return counter;
    }
    // The pipeline destroys the body when the reader stops (or aborts) early; an abort surfaces as
    // an AbortError, not as the connection reset it causes underneath.
    pipeline(object.body, counter, (error) => {
      if (error && !counter.destroyed) counter.destroy(signal?.aborted ? signal.reason : error);
    });
    return counter;
  }

  async writePath(
    path: string,
    content: WritableContent,
    options: WritePathOptions = {},
  ): Promise<string> {
    const relative = this.resolver.key(path);
    const key = this.objectKey(path);
    const { signal } = options;
    signal?.throwIfAborted();
    const totalBytes = options.contentLength ?? knownContentLength(content);
    let reported = 0;
    const onBytes = (bytes: number) => {
      if (!options.onProgress || bytes < reported) return;
      reported = bytes;
      const progress: TransferProgress =
        totalBytes === undefined ? { bytes } : { bytes, totalBytes };
      options.onProgress(progress);
    };
    await this.wire.writeObject(key, content, {
      ...(signal ? { signal } : {}),
      ...(totalBytes === undefined ? {} : { totalBytes }),
      onBytes,
    });
    return relative;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.wire.statObject(this.objectKey(path))) !== undefined;
  }

  async delete(path: string): Promise<boolean> {
    if (!(await this.exists(path))) return false;
    await this.wire.deleteObject(this.objectKey(path));
    return true;
  }

  list(prefix = ""): AsyncIterable<FileEntry> {
    return this.#list(this.resolver.listPrefix(prefix), undefined);
  }

  async *#list(listPrefix: string, delimiter: "/" | undefined): AsyncIterable<FileEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.wire.listPage(listPrefix, {
        ...(delimiter === undefined ? {} : { delimiter }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const object of page.entries) {
        const path = this.resolver.keyFromLocation(object.key);
        if (path === undefined) continue;
        yield {
          path,
          size: object.size,
          ...(object.modifiedAt ? { modifiedAt: object.modifiedAt } : {}),
        };
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  /**
   * Objects under a folder (relative to the base folder), collected: every object at any depth,
   * or with `{ delimiter: "/" }` only those directly in it. `folder` is a folder name (`reports`
   * lists `reports/…`, never `reports-old/…`); `""` is the base folder itself.
   */
  async listObjects(folder = "", options: ListObjectsOptions = {}): Promise<FileEntry[]> {
    const entries: FileEntry[] = [];
    const listPrefix = this.resolver.listPrefix(folderPrefix(folder));
    for await (const entry of this.#list(listPrefix, options.delimiter)) {
      if (options.maxItems !== undefined && entries.length >= options.maxItems) break;
      entries.push(entry);
    }
    return entries;
  }

  /**
   * Uploads a local file, streamed. Returns the path written, relative to the base folder.
   * @default path: the file's name
   */
  async uploadFromPath(
    localPath: string,
    path: string = basename(localPath),
    options: WritePathOptions = {},
  ): Promise<string> {
    const { size } = await localFile(localPath, () => stat(localPath));
    return this.writePath(path, createReadStream(localPath), { contentLength: size, ...options });
  }

  /**
   * Downloads an object to a local file, streamed. The file appears whole or not at all (written
   * beside it, then renamed). Returns the local path.
   * @default localPath: the object's name in the working folder
   */
  async downloadToPath(
    path: string,
    localPath?: string,
    options: ReadPathOptions = {},
  ): Promise<string> {
    const target = localPath ?? join(process.cwd(), basename(this.resolver.key(path)));
    return writeLocalFileAtomically(target, await this.createReadStream(path, options));
  }

  /**
   * Downloads every object under a folder (relative to the base folder; `""` for all of it) into
   * a local directory, keeping their paths below the folder: `reports/2024/a.json` under folder
   * `reports` becomes `<localDirectory>/2024/a.json`. Each file appears whole or not at all.
   * Returns the local paths written.
   */
  async downloadFolderToPath(
    folder: string,
    localDirectory: string,
    options: FolderTransferOptions = {},
  ): Promise<string[]> {
    const prefix = folderPrefix(folder);
    const entries: FileEntry[] = [];
    for await (const entry of this.list(prefix)) entries.push(entry);
    const written: string[] = [];
    await forEachConcurrently(entries, options, async (entry) => {
      const localPath = join(localDirectory, ...entry.path.slice(prefix.length).split("/"));
      await mkdir(dirname(localPath), { recursive: true });
      await this.downloadToPath(
        entry.path,
        localPath,
        options.signal ? { signal: options.signal } : {},
      );
      written.push(localPath);
    });
    return written.sort();
  }

  /**
   * Uploads every file under a local directory (recursively; symbolic links and other non-files
   * are skipped) into a folder, keeping their relative paths. Files matched by `options.ignore`
   * or by the folder's `.tesseraignore` (gitignore syntax) are left out. Returns the paths
   * written, relative to the base folder.
   */
  async uploadFromFolder(
    localDirectory: string,
    folder = "",
    options: FolderTransferOptions = {},
  ): Promise<string[]> {
    const prefix = folderPrefix(folder);
    const files = await listLocalFolder(
      localDirectory,
      options.ignore ? { ignore: options.ignore } : {},
    );
    const paths: string[] = [];
    await forEachConcurrently(files, options, async (file) => {
      paths.push(
        await this.uploadFromPath(
          file.localPath,
          `${prefix}${file.relativePath}`,
          options.signal ? { signal: options.signal } : {},
        ),
      );
    });
    return paths.sort();
  }

  /**
   * Streams a file from any file system (another bucket, a local folder, another provider) into
   * this store, without holding it in memory. Returns the path written.
   * @default toPath: fromPath
   */
  async streamFrom(
    source: WritableFileSystem,
    fromPath: string,
    toPath: string = fromPath,
    options: WritePathOptions = {},
  ): Promise<string> {
    const path = this.resolver.key(toPath);
    const stream = await source.createReadStream(
      fromPath,
      options.signal ? { signal: options.signal } : {},
    );
    return this.writePath(path, stream, options);
  }

  /**
   * Copies an object on the service side (no bytes pass through this process), within this store
   * or into `destination`. Returns the destination path relative to the destination's folder.
   */
  async copyObject(from: string, to: string, destination: ObjectStore = this): Promise<string> {
    const relative = destination.resolver.key(to);
    await destination.wire.copyObject(
      { wire: this.wire, key: this.objectKey(from) },
      destination.objectKey(to),
      { notFound: this.#notFound(from) },
    );
    return relative;
  }

  /** Copies an object (see `copyObject`), then deletes the source unless it is the destination. */
  async moveObject(from: string, to: string, destination: ObjectStore = this): Promise<string> {
    const relative = await this.copyObject(from, to, destination);
    const sameStore = destination.wire.describeLocation("") === this.wire.describeLocation("");
    if (sameStore && destination.objectKey(to) === this.objectKey(from)) {
      return relative;
    }
    await this.wire.deleteObject(this.objectKey(from));
    return relative;
  }
}
