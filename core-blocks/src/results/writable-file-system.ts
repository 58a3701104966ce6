import type { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/**
 * Bytes to write: a buffer, a string (written as UTF-8), a Node stream, a web stream or any async
 * iterable of chunks. Implementations may still be writing a chunk while they read the next, so
 * a producer must not change a chunk after handing it over (Node streams never do).
 */
export type WritableContent =
  | Uint8Array
  | string
  | Readable
  | WebReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

/** Progress of a long read or write. */
export interface TransferProgress {
  /** Bytes moved so far. */
  bytes: number;
  /** Total bytes when known. */
  totalBytes?: number;
}

/** Options of `writePath`. */
export interface WritePathOptions {
  /** Called as bytes are written. @default undefined */
  onProgress?: (progress: TransferProgress) => void;
  /** Total size when the caller knows it (helps multipart uploads and progress). @default undefined */
  contentLength?: number;
  /** Cancels the write; nothing partial stays visible. @default undefined */
  signal?: AbortSignal;
}

/** Options of `readPath` / `createReadStream`. */
export interface ReadPathOptions {
  /** Called as bytes are read. @default undefined */
  onProgress?: (progress: TransferProgress) => void;
  /** Cancels the read. @default undefined */
  signal?: AbortSignal;
  /**
   * `readPath` only, and optional for implementations: called with each piece of the content,
   * in order, as it arrives, so a caller can hash while the rest is still being read. The pieces
   * must add up to the returned bytes; an implementation that does not call it is still correct
   * (callers then look at the returned bytes). @default undefined
   */
  onChunk?: (chunk: Uint8Array) => void;
}

/** One entry of `list`. */
export interface FileEntry {
  /** Path relative to the file system's base, `/`-separated, no leading `/`. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, when the backend knows it. */
  modifiedAt?: Date;
}

/**
 * A place that stores bytes under paths: a local folder, an S3 bucket, a GCS bucket, an Azure
 * container. Storage blocks implement it, and `ResultStore` persists results through it. Every
 * implementation passes `describeWritableFileSystem` unchanged.
 *
 * Paths are relative to the block's base folder and go through `resolveStoragePath` exactly once
 * (S3-like backends use a `StoragePathResolver`, which joins the base folder once): `a//b`, `./a`
 * and `/a` name the same key; `..`, NUL, control characters, backslashes and percent-encoded dots
 * or separators fail with `PATH_OUTSIDE_BASE` before any I/O. Keys returned by `writePath` and
 * `list` are relative to the base folder and resolve to themselves, so handing one back names the
 * same file.
 */
export interface WritableFileSystem {
  /** The whole content of a path. `FILE_NOT_FOUND` when absent. */
  readPath(path: string, options?: ReadPathOptions): Promise<Uint8Array>;
  /** A stream of a path's content. `FILE_NOT_FOUND` (when opened or on first read) when absent. */
  createReadStream(path: string, options?: ReadPathOptions): Promise<Readable>;
  /**
   * Writes a path, replacing what is there (an upsert, never "already exists"). Atomic: a reader
   * sees the old content or the whole new content, never a part. Streams are written without
   * buffering the whole content in memory. Returns the resolved key (relative to the base
   * folder). With `signal` aborted, rejects with the abort reason and leaves the previous content.
   */
  writePath(path: string, content: WritableContent, options?: WritePathOptions): Promise<string>;
  /** Whether a file exists at a path (a folder, or a prefix of other keys, is not a file). */
  exists(path: string): Promise<boolean>;
  /** Deletes a path; returns false when it did not exist. */
  delete(path: string): Promise<boolean>;
  /**
   * Every file under a prefix (`reports/` a folder, `reports` also `reports-old/…`), ordered by
   * the UTF-8 bytes of the key, as S3 lists. Pages through the backend's listing underneath, so a
   * listing of any size uses bounded memory.
   */
  list(prefix?: string): AsyncIterable<FileEntry>;
}
