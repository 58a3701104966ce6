import { randomBytes } from "node:crypto";
import { type Dir, existsSync, constants as fsConstants } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  opendir,
  readlink,
  realpath,
  rename,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import { join, resolve, sep } from "node:path";
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
const temporaryFileSuffix = ".tessera-tmp";

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

/** New folders are private to the user who runs the process, whatever the umask. */
const folderMode = 0o700;
/** New files likewise: results can hold anything a step computed. */
const fileMode = 0o600;

/**
 * On Linux `/proc/self/fd/<n>` names what descriptor n has open, so a path through it resolves
 * relative to a held folder (like `openat`), and reading the link gives the real path of what was
 * actually opened. Elsewhere the real path is taken by name and checked against the descriptor.
 */
const descriptorPaths = process.platform === "linux" && existsSync("/proc/self/fd");

/** True when `real` is `base` itself (`allowBase`) or lies below it. */
function isInside(real: string, base: string, allowBase: boolean): boolean {
  if (real === base) return allowBase;
  return real.startsWith(base.endsWith(sep) ? base : `${base}${sep}`);
}

/** The real path of what an open handle refers to. */
async function realPathOf(handle: FileHandle, openedAs: string): Promise<string> {
  if (descriptorPaths) return readlink(`/proc/self/fd/${handle.fd}`);
  const real = await realpath(openedAs);
  const [held, named] = await Promise.all([handle.stat(), stat(real)]);
  if (held.dev !== named.dev || held.ino !== named.ino) {
    throw Object.assign(new Error(`"${openedAs}" changed while it was opened`), {
      code: "ENOENT",
    });
  }
  return real;
}

/**
 * An open folder inside the base, checked by what was opened rather than by name: operations on
 * its entries go through `at(name)`, which resolves relative to the held folder, so swapping a
 * folder on the way for a symbolic link after the check changes nothing.
 */
class HeldFolder {
  constructor(
    /** The open folder; none where folders cannot be opened (Windows). */
    readonly handle: FileHandle | undefined,
    /** The folder's real path, checked to be inside the base. */
    readonly real: string,
  ) {}

  /** A path naming `name` inside this very folder. */
  at(name: string): string {
    return descriptorPaths && this.handle
      ? `/proc/self/fd/${this.handle.fd}/${name}`
      : join(this.real, name);
  }

  /** A path naming the folder itself. */
  self(): string {
    return descriptorPaths && this.handle ? `/proc/self/fd/${this.handle.fd}` : this.real;
  }

  /** Flushes the folder's entries (a rename in it) to disk where the platform allows. */
  async sync(): Promise<void> {
    // Some file systems refuse to fsync a directory; a rename is still atomic.
    await this.handle?.sync().catch(() => {});
  }

  close(): Promise<void> {
    return this.handle ? this.handle.close().catch(() => {}) : Promise.resolve();
  }
}

/** Windows cannot open a folder as a file; there folders are checked by name only. */
const holdsFolders = process.platform !== "win32";

/** Opens a folder (`undefined` where folders are not held), failing as `open` would. */
async function openDirectory(path: string): Promise<FileHandle | undefined> {
  if (holdsFolders) return open(path, folderFlags);
  if (!(await stat(path)).isDirectory()) {
    throw Object.assign(new Error(`"${path}" is not a folder`), { code: "ENOTDIR" });
  }
  return undefined;
}

/** The real path of an opened folder. */
function folderRealPath(handle: FileHandle | undefined, openedAs: string): Promise<string> {
  return handle ? realPathOf(handle, openedAs) : realpath(openedAs);
}

const folderFlags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;
/** Opening for a look never blocks on a FIFO or a device that a link may point to. */
const readFlags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK;

/**
 * The logic of the `local-file-system` block: files under a base directory on this machine.
 * Writes go to a temporary file in the target's folder, are fsynced, renamed over the target and
 * the folder is fsynced, so a reader sees the old file or the whole new one and a crash never
 * leaves a torn file. Content streams through in chunks, so memory stays bounded.
 *
 * Every operation stays inside the base folder without a race: each folder on the way is opened
 * and the real path of what was opened is checked before anything is done in it, and files are
 * then named relative to that held folder. A symbolic link that leads out of the base is refused
 * with PATH_OUTSIDE_BASE; one that stays inside is followed. New folders are created 0700 and new
 * files 0600, whatever the umask.
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

  private outside(key: string): PathOutsideBaseError {
    return new PathOutsideBaseError({
      path: key,
      reason: "a symbolic link inside the base folder leads out of it",
    });
  }

  /**
   * Opens the base folder (creating it with `create`) and gives its real path, which every check
   * of this operation compares with. `undefined` when it does not exist and `create` is false.
   */
  private async openBase(create: boolean): Promise<HeldFolder | undefined> {
    if (create) await mkdir(this.basePath, { recursive: true, mode: folderMode });
    let handle: FileHandle | undefined;
    try {
      handle = await openDirectory(this.basePath);
    } catch (error) {
      const code = errorCode(error);
      if (!create && (code === "ENOENT" || code === "ENOTDIR")) return undefined;
      throw error;
    }
    try {
      return new HeldFolder(handle, await folderRealPath(handle, this.basePath));
    } catch (error) {
      await handle?.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Opens `name` inside a held folder as a folder (creating it 0700 with `create`) and checks
   * that what was opened lies inside `base`. `undefined` when it is absent (or not a folder) and
   * `create` is false; PATH_OUTSIDE_BASE when it leads out.
   */
  private async openChild(
    key: string,
    parent: HeldFolder,
    name: string,
    base: string,
    create: boolean,
  ): Promise<HeldFolder | undefined> {
    let handle: FileHandle | undefined;
    let opened = false;
    try {
      handle = await openDirectory(parent.at(name));
      opened = true;
    } catch (error) {
      const code = errorCode(error);
      if (code !== "ENOENT" || !create) {
        if (!create && (code === "ENOENT" || code === "ENOTDIR")) return undefined;
        throw error;
      }
    }
    if (!opened) {
      try {
        await mkdir(parent.at(name), folderMode);
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
      }
      handle = await openDirectory(parent.at(name));
    }
    let real: string;
    try {
      real = await folderRealPath(handle, join(parent.real, name));
    } catch (error) {
      await handle?.close().catch(() => {});
      throw error;
    }
    if (!isInside(real, base, true)) {
      await handle?.close().catch(() => {});
      throw this.outside(key);
    }
    return new HeldFolder(handle, real);
  }

  /**
   * Opens the folder that holds a key's file, each folder on the way checked as it is opened.
   * Returns it with the real path of the base, or `undefined` when a folder is missing and
   * `create` is false.
   */
  private async openFolder(
    key: string,
    folders: readonly string[],
    create: boolean,
  ): Promise<{ folder: HeldFolder; base: string } | undefined> {
    const baseFolder = await this.openBase(create);
    if (!baseFolder) return undefined;
    const base = baseFolder.real;
    let current = baseFolder;
    try {
      for (const name of folders) {
        const next = await this.openChild(key, current, name, base, create);
        await current.close();
        if (!next) return undefined;
        current = next;
      }
    } catch (error) {
      await current.close();
      throw error;
    }
    return { folder: current, base };
  }

  /**
   * Opens a file inside a held folder for reading, following a link only when what it leads to
   * lies inside the base. `undefined` when there is no file there.
   */
  private async openFileIn(
    key: string,
    folder: HeldFolder,
    name: string,
    base: string,
  ): Promise<{ handle: FileHandle; size: number } | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(folder.at(name), readFlags);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "ELOOP") {
        return undefined;
      }
      throw error;
    }
    try {
      const real = await realPathOf(handle, join(folder.real, name));
      if (!isInside(real, base, false)) throw this.outside(key);
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return undefined;
      }
      return { handle, size: stats.size };
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  private async openForRead(
    path: string,
  ): Promise<{ key: string; handle: FileHandle; size: number }> {
    const key = resolveStoragePath(path);
    const segments = key.split("/");
    const name = segments.pop() as string;
    const opened = await this.openFolder(key, segments, false);
    if (!opened) throw new FileNotFoundError({ path: key, location: this.location() });
    try {
      const file = await this.openFileIn(key, opened.folder, name, opened.base);
      if (!file) throw new FileNotFoundError({ path: key, location: this.location() });
      return { key, ...file };
    } finally {
      await opened.folder.close();
    }
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
    const segments = key.split("/");
    const name = segments.pop() as string;
    // The name is cut short so that the temporary name fits wherever the target's name fits.
    const temporaryName = `.${name.slice(0, 64)}.${randomBytes(8).toString("hex")}${temporaryFileSuffix}`;
    const totalBytes = options.contentLength ?? knownContentLength(content);
    const { folder, handle } = await this.createTemporary(key, segments, temporaryName).catch(
      (error: unknown) => {
        const code = errorCode(error);
        if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
        throw new PathConflictError({
          path: key,
          location: this.location(),
          reason: "a file is where one of its folders would be",
          cause: error,
        });
      },
    );
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
      // Both names resolve inside the held folder, so the rename cannot be carried elsewhere.
      await rename(folder.at(temporaryName), folder.at(name));
      renamed = true;
      await folder.sync();
      if (bytes === 0) onProgress?.({ bytes: 0, totalBytes: 0 });
      return key;
    } catch (error) {
      if (!renamed) {
        await handle.close().catch(() => {});
        await unlink(folder.at(temporaryName)).catch(() => {});
      }
      if (signal?.aborted) throw abortReason(signal);
      const code = errorCode(error);
      if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST") {
        throw new PathConflictError({
          path: key,
          location: this.location(),
          reason: "a folder of that name is there",
          cause: error,
        });
      }
      throw error;
    } finally {
      await folder.close();
    }
  }

  /**
   * Creates the target's folders (0700) and a new temporary file (0600) in the last one, each
   * folder checked as it is opened. The file is created exclusively and never through a link.
   */
  private async createTemporary(
    key: string,
    folders: readonly string[],
    temporaryName: string,
  ): Promise<{ folder: HeldFolder; handle: FileHandle }> {
    // A concurrent delete may prune a folder between its creation and the file's: try again.
    for (let attempt = 0; ; attempt++) {
      let opened: Awaited<ReturnType<typeof this.openFolder>>;
      try {
        opened = await this.openFolder(key, folders, true);
      } catch (error) {
        if (errorCode(error) !== "ENOENT" || attempt >= 5) throw error;
        continue;
      }
      if (!opened) throw new Error("a created folder cannot be missing");
      try {
        const handle = await open(
          opened.folder.at(temporaryName),
          fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
          fileMode,
        );
        return { folder: opened.folder, handle };
      } catch (error) {
        await opened.folder.close();
        if (errorCode(error) !== "ENOENT" || attempt >= 5) throw error;
      }
    }
  }

  /**
   * What is at a key, looked at inside its held folder: `file` (a file inside the base, directly
   * or through a link that stays inside), `link` when that file is reached through a link,
   * `none` otherwise. PATH_OUTSIDE_BASE when a link leads out.
   */
  private async lookUp(
    key: string,
  ): Promise<{ kind: "file" | "link" | "none"; folder?: HeldFolder; name: string }> {
    const segments = key.split("/");
    const name = segments.pop() as string;
    const opened = await this.openFolder(key, segments, false);
    if (!opened) return { kind: "none", name };
    const { folder, base } = opened;
    try {
      let stats: Awaited<ReturnType<typeof lstat>>;
      try {
        stats = await lstat(folder.at(name));
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") return { kind: "none", folder, name };
        throw error;
      }
      if (stats.isFile()) return { kind: "file", folder, name };
      if (!stats.isSymbolicLink()) return { kind: "none", folder, name };
      const file = await this.openFileIn(key, folder, name, base);
      if (!file) return { kind: "none", folder, name };
      await file.handle.close();
      return { kind: "link", folder, name };
    } catch (error) {
      await folder.close();
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    const key = resolveStoragePath(path);
    const { kind, folder } = await this.lookUp(key);
    await folder?.close();
    return kind !== "none";
  }

  async delete(path: string): Promise<boolean> {
    const key = resolveStoragePath(path);
    const { kind, folder, name } = await this.lookUp(key);
    try {
      if (kind === "none" || !folder) return false;
      // unlink never follows a link: a link (which leads inside) is removed, not its target.
      try {
        await unlink(folder.at(name));
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") return false;
        throw error;
      }
    } finally {
      await folder?.close();
    }
    await this.pruneEmptyFolders(key, key.split("/").slice(0, -1));
    return true;
  }

  /**
   * Removes folders left empty by a delete, deepest first, up to (not including) the base. Each
   * is removed by name inside its checked parent, and rmdir never follows a link.
   */
  private async pruneEmptyFolders(key: string, folders: readonly string[]): Promise<void> {
    for (let depth = folders.length; depth > 0; depth--) {
      let opened: { folder: HeldFolder } | undefined;
      try {
        opened = await this.openFolder(key, folders.slice(0, depth - 1), false);
        if (!opened) return;
        await rmdir(opened.folder.at(folders[depth - 1] as string));
      } catch {
        return;
      } finally {
        await opened?.folder.close();
      }
    }
  }

  async *list(prefix = ""): AsyncGenerator<FileEntry> {
    const resolved = resolveStoragePrefix(prefix);
    const folderKey = resolved.slice(0, resolved.lastIndexOf("/") + 1);
    yield* this.walk(folderKey, resolved);
  }

  /**
   * Depth-first over one folder, in the byte order of full keys (as S3 lists). Only what lies
   * inside the base is listed: links are skipped, and a folder that leads out is left out.
   */
  private async *walk(folderKey: string, prefix: string): AsyncGenerator<FileEntry> {
    let opened: { folder: HeldFolder } | undefined;
    try {
      opened = await this.openFolder(folderKey, folderKey.split("/").filter(Boolean), false);
    } catch (error) {
      if (PathOutsideBaseError.isInstance(error)) return;
      throw error;
    }
    if (!opened) return;
    const { folder } = opened;
    try {
      let directory: Dir;
      try {
        directory = await opendir(folder.self(), { bufferSize: 128 });
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw error;
      }
      const entries: { name: string; sortName: string; folder: boolean }[] = [];
      for await (const entry of directory) {
        if (entry.name.endsWith(temporaryFileSuffix)) continue;
        const isFolder = entry.isDirectory();
        if (!isFolder && !entry.isFile()) continue;
        const key = folderKey + entry.name;
        // Keep an entry only if it can hold keys under the prefix.
        const candidate = isFolder ? `${key}/` : key;
        if (!(candidate.startsWith(prefix) || (isFolder && prefix.startsWith(candidate)))) {
          continue;
        }
        entries.push({
          name: entry.name,
          sortName: isFolder ? `${entry.name}/` : entry.name,
          folder: isFolder,
        });
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
          const stats = await lstat(folder.at(entry.name));
          if (!stats.isFile()) continue; // replaced while listing
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
    } finally {
      await folder.close();
    }
  }
}
