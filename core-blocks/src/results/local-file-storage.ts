import { randomBytes } from "node:crypto";
import { type Dir, constants as fsConstants } from "node:fs";
import {
  type FileHandle,
  mkdir,
  open,
  opendir,
  realpath,
  rename,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { addAbortSignal, pipeline, type Readable } from "node:stream";
import { FileNotFoundError, PathConflictError, PathOutsideBaseError } from "../errors/index.js";
import { resolveStoragePath, resolveStoragePrefix } from "./storage-path.js";
import { knownContentLength, progressStream, writableContentChunks } from "./writable-content.js";
import type {
  FileEntry,
  ReadPathOptions,
  WritableContent,
  WritableFileSystem,
  WritePathOptions,
} from "./writable-file-system.js";

/**
 * Temporary files of in-flight writes end with this suffix. They live beside their target (so the
 * final rename stays on one file system), are skipped by `list`, and are removed when a write fails
 * or is aborted.
 */
export const temporaryFileSuffix = ".tessera-tmp";

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null
    ? (error as { code?: string }).code
    : undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

const gatherBytes = 256 << 10;
const readPieceBytes = 4 << 20;

async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

function byteOrder(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/**
 * The logic of the `local-file-system` block: files under a base directory on this machine.
 * Writes go to a temporary file in the target's folder, are fsynced, renamed over the target and
 * the folder is fsynced, so a reader sees the old file or the whole new one and a crash never
 * leaves a torn file. Content streams through in chunks, so memory stays bounded.
 */
export class LocalFileStorage implements WritableFileSystem {
  /** Absolute base directory. */
  readonly basePath: string;

  constructor(basePath: string) {
    this.basePath = resolve(basePath);
  }

  private location(): string {
    return `the local folder "${this.basePath}"`;
  }

  private filePath(key: string): string {
    return join(this.basePath, ...key.split("/"));
  }

  private async openForRead(
    path: string,
  ): Promise<{ key: string; handle: FileHandle; size: number }> {
    const key = resolveStoragePath(path);
    await this.assertInsideBase(key, this.filePath(key));
    let handle: FileHandle;
    try {
      handle = await open(this.filePath(key), fsConstants.O_RDONLY);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
        throw new FileNotFoundError(key, this.location(), { cause: error });
      }
      throw error;
    }
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw new FileNotFoundError(key, this.location());
    }
    return { key, handle, size: stats.size };
  }

  async readPath(path: string, options: ReadPathOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    const { handle, size } = await this.openForRead(path);
    try {
      const buffer = Buffer.allocUnsafe(size);
      const readPiece = (offset: number) =>
        handle.read(buffer, offset, Math.min(size - offset, readPieceBytes), offset);
      let offset = 0;
      // The next piece is being read while the caller looks at the one before (onChunk).
      let reading = size > 0 ? readPiece(0) : undefined;
      while (reading) {
        const { bytesRead } = await reading;
        reading = undefined;
        if (bytesRead === 0) break;
        const start = offset;
        offset += bytesRead;
        options.signal?.throwIfAborted();
        if (offset < size) reading = readPiece(offset);
        try {
          options.onChunk?.(buffer.subarray(start, offset));
          options.onProgress?.({ bytes: offset, totalBytes: size });
        } catch (error) {
          await reading?.catch(() => undefined);
          throw error;
        }
      }
      return offset === size ? buffer : buffer.subarray(0, offset);
    } finally {
      await handle.close();
    }
  }

  async createReadStream(path: string, options: ReadPathOptions = {}): Promise<Readable> {
    const { handle, size } = await this.openForRead(path);
    const file = handle.createReadStream({ highWaterMark: 1 << 20 });
    // pipeline destroys the file stream (closing the handle) when the counter fails or is destroyed.
    const stream: Readable = options.onProgress
      ? pipeline(file, progressStream(options.onProgress, size), () => {})
      : file;
    if (options.signal) addAbortSignal(options.signal, stream);
    return stream;
  }

  async writePath(
    path: string,
    content: WritableContent,
    options: WritePathOptions = {},
  ): Promise<string> {
    const key = resolveStoragePath(path);
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const target = this.filePath(key);
    const folder = dirname(target);
    const temporary = join(
      folder,
      // The name is cut short so that the temporary name fits wherever the target's name fits.
      `.${key.slice(key.lastIndexOf("/") + 1).slice(0, 64)}.${randomBytes(8).toString("hex")}${temporaryFileSuffix}`,
    );
    const totalBytes = options.contentLength ?? knownContentLength(content);
    const handle = await this.createTemporary(key, folder, temporary).catch((error: unknown) => {
      const code = errorCode(error);
      if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
      throw new PathConflictError(
        key,
        this.location(),
        "a file is where one of its folders would be",
        {
          cause: error,
        },
      );
    });
    let renamed = false;
    try {
      let bytes = 0;
      // One write is in flight while the next chunk is produced, so producing (hashing,
      // compressing) overlaps with the disk. Small chunks are copied into a gather buffer and
      // written together; large ones go straight through, so a chunk must not change once given.
      let writing: Promise<void> | undefined;
      const submit = async (piece: Uint8Array) => {
        if (writing) await writing;
        writing = writeFully(handle, piece);
        // Handled here so a failure while the producer is still working is not "unhandled";
        // awaiting `writing` later still throws it.
        writing.catch(() => {});
      };
      let gather = Buffer.allocUnsafe(gatherBytes);
      let gathered = 0;
      const flushGather = async () => {
        if (gathered === 0) return;
        const full = gather.subarray(0, gathered);
        gather = Buffer.allocUnsafe(gatherBytes);
        gathered = 0;
        await submit(full);
      };
      try {
        for await (const chunk of writableContentChunks(content)) {
          signal?.throwIfAborted();
          if (chunk.byteLength === 0) continue;
          if (chunk.byteLength >= gatherBytes / 4) {
            await flushGather();
            await submit(chunk);
          } else {
            if (gathered + chunk.byteLength > gatherBytes) await flushGather();
            gather.set(chunk, gathered);
            gathered += chunk.byteLength;
          }
          bytes += chunk.byteLength;
          onProgress?.(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
        }
        await flushGather();
        await writing;
      } finally {
        // Never leave a write running against a handle that is about to close.
        await writing?.catch(() => {});
      }
      signal?.throwIfAborted();
      await handle.sync();
      await handle.close();
      await rename(temporary, target);
      renamed = true;
      await this.syncFolder(folder);
      if (bytes === 0) onProgress?.({ bytes: 0, totalBytes: 0 });
      return key;
    } catch (error) {
      if (!renamed) {
        await handle.close().catch(() => {});
        await unlink(temporary).catch(() => {});
      }
      if (signal?.aborted) throw abortReason(signal);
      const code = errorCode(error);
      if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST") {
        throw new PathConflictError(key, this.location(), "a folder of that name is there", {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The base directory with symbolic links resolved (it may itself be a link). */
  private async realBase(): Promise<string> {
    try {
      return await realpath(this.basePath);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return this.basePath;
      throw error;
    }
  }

  /**
   * Refuses a path whose nearest existing folder (or the file itself) lies outside the base once
   * symbolic links are followed, so a link inside the base cannot carry reads or writes out of it.
   */
  private async assertInsideBase(key: string, location: string): Promise<void> {
    let current = location;
    for (;;) {
      let real: string;
      try {
        real = await realpath(current);
      } catch (error) {
        const code = errorCode(error);
        if ((code === "ENOENT" || code === "ENOTDIR") && current !== this.basePath) {
          current = dirname(current);
          continue;
        }
        if (code === "ENOENT") return;
        throw error;
      }
      const base = await this.realBase();
      if (real !== base && !real.startsWith(base + sep)) {
        throw new PathOutsideBaseError(
          key,
          "a symbolic link inside the base folder leads out of it",
        );
      }
      return;
    }
  }

  private async createTemporary(
    key: string,
    folder: string,
    temporary: string,
  ): Promise<FileHandle> {
    // A concurrent delete may prune the folder between mkdir and open: try again a few times.
    for (let attempt = 0; ; attempt++) {
      await this.assertInsideBase(key, folder);
      await mkdir(folder, { recursive: true });
      await this.assertInsideBase(key, folder);
      try {
        return await open(temporary, "wx", 0o644);
      } catch (error) {
        if (errorCode(error) !== "ENOENT" || attempt >= 5) throw error;
      }
    }
  }

  private async syncFolder(folder: string): Promise<void> {
    const handle = await open(folder, fsConstants.O_RDONLY).catch(() => undefined);
    if (!handle) return;
    try {
      await handle.sync();
    } catch {
      // Some file systems refuse to fsync a directory; the rename is still atomic.
    } finally {
      await handle.close();
    }
  }

  async exists(path: string): Promise<boolean> {
    const key = resolveStoragePath(path);
    try {
      return (await stat(this.filePath(key))).isFile();
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
  }

  async delete(path: string): Promise<boolean> {
    const key = resolveStoragePath(path);
    const target = this.filePath(key);
    try {
      if (!(await stat(target)).isFile()) return false;
      await unlink(target);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
    await this.pruneEmptyFolders(dirname(target));
    return true;
  }

  /** Removes folders left empty by a delete, up to (not including) the base directory. */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current.startsWith(this.basePath + sep) && current !== this.basePath) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  async *list(prefix = ""): AsyncGenerator<FileEntry> {
    const resolved = resolveStoragePrefix(prefix);
    const folderKey = resolved.slice(0, resolved.lastIndexOf("/") + 1);
    yield* this.walk(folderKey, resolved);
  }

  /** Depth-first over one folder, in the byte order of full keys (as S3 lists). */
  private async *walk(folderKey: string, prefix: string): AsyncGenerator<FileEntry> {
    let directory: Dir;
    try {
      directory = await opendir(join(this.basePath, ...folderKey.split("/").filter(Boolean)), {
        bufferSize: 128,
      });
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw error;
    }
    const entries: { name: string; sortName: string; folder: boolean }[] = [];
    for await (const entry of directory) {
      if (entry.name.endsWith(temporaryFileSuffix)) continue;
      const folder = entry.isDirectory();
      if (!folder && !entry.isFile()) continue;
      const key = folderKey + entry.name;
      // Keep an entry only if it can hold keys under the prefix.
      const candidate = folder ? `${key}/` : key;
      if (!(candidate.startsWith(prefix) || (folder && prefix.startsWith(candidate)))) continue;
      entries.push({ name: entry.name, sortName: folder ? `${entry.name}/` : entry.name, folder });
    }
    entries.sort((left, right) => byteOrder(left.sortName, right.sortName));
    for (const entry of entries) {
      const key = folderKey + entry.name;
      if (entry.folder) {
        yield* this.walk(`${key}/`, prefix);
        continue;
      }
      let size: number;
      let modifiedAt: Date;
      try {
        const stats = await stat(join(this.basePath, ...key.split("/")));
        size = stats.size;
        modifiedAt = stats.mtime;
      } catch {
        continue; // deleted while listing
      }
      try {
        if (resolveStoragePath(key) !== key) continue;
      } catch {
        continue; // a name no key can have (written by something else)
      }
      yield { path: key, size, modifiedAt };
    }
  }
}
