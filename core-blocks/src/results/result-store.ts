import { createHash, randomBytes } from "node:crypto";
import { pipeline, Readable, Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import {
  brotliDecompress,
  createBrotliCompress,
  createBrotliDecompress,
  createGunzip,
  createGzip,
  gunzip,
  constants as zlibConstants,
} from "node:zlib";
import {
  FileNotFoundError,
  InvalidInputError,
  ResultCorruptedError,
  ResultNotFoundError,
  SerializationFailedError,
  UnknownSerializerError,
} from "../errors/index.js";
import { type ResultStorageSetting, resolveResultStorage } from "./default-result-storage.js";
import {
  type Compression,
  compressionSchema,
  type ResultMetadata,
  resultMetadataSchema,
} from "./result-metadata.js";
import { builtInSerializers, jsonSerializer, type Serializer } from "./serializer.js";
import { resolveStoragePath, resolveStoragePrefix } from "./storage-path.js";
import { TrailingHash } from "./trailing-hash.js";
import { knownContentLength, writableContentChunks } from "./writable-content.js";
import type { TransferProgress, WritableFileSystem } from "./writable-file-system.js";

const gunzipBytes = promisify(gunzip);
const brotliDecompressBytes = promisify(brotliDecompress);

/** Settings of a `ResultStore`. */
export interface ResultStoreOptions {
  /**
   * Where results go: any `WritableFileSystem` (a storage block instance), or the slug of a saved
   * storage block such as `"s3-bucket/results"` (loaded on first use).
   * @default the default result storage: `TESSERA_RESULT_STORAGE`, else a LocalFileSystem at
   * `$TESSERA_HOME/results`
   */
  storage?: ResultStorageSetting;
  /** Serializer for new results: an object, or the name of a built-in (`json`, `binary`, `rich`). @default "json" */
  serializer?: Serializer | string;
  /** More serializers this store can read results with (the built-ins are always known). @default [] */
  serializers?: Serializer[];
  /** Folder inside the storage that holds this store's results. @default "" (the storage's base) */
  prefix?: string;
  /** Compression of new payloads; reading follows what each record says. @default "none" */
  compression?: Compression;
}

/** Options of `ResultStore.put`. */
export interface PutResultOptions {
  /** Milliseconds the result stays fresh; after that `get` fails with RESULT_NOT_FOUND. @default undefined (never expires) */
  expiresIn?: number;
  /** Serializer for this result only. @default the store's serializer */
  serializer?: Serializer | string;
  /** Byte length of the serialized value when a stream's length is known (for progress). @default undefined */
  contentLength?: number;
  /** Reports the serialized bytes written so far. @default undefined */
  onProgress?: (progress: TransferProgress) => void;
  /** Cancels the write; no record appears. @default undefined */
  signal?: AbortSignal;
}

/** Options of `ResultStore.get` and `ResultStore.getStream`. */
export interface GetResultOptions {
  /** Reports the stored bytes read so far. @default undefined */
  onProgress?: (progress: TransferProgress) => void;
  /** Cancels the read. @default undefined */
  signal?: AbortSignal;
}

const payloadSuffix = ".payload";
const metadataSuffix = ".meta.json";
const maxMetadataBytes = 64 << 10;
/** Largest piece of a payload handed to the file system in one go. */
const writeSliceBytes = 4 << 20;
/** Most bytes of a streamed payload held while they wait to be hashed. */
const maxHashBacklogBytes = 16 << 20;

function newPayloadId(): string {
  return `${Date.now().toString(36)}${randomBytes(8).toString("hex")}`;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Persists values under keys in any `WritableFileSystem`. Each result is a payload file
 * (`<key>.<id>.payload`) and, beside it, a small metadata record (`<key>.meta.json`: serializer,
 * compression, created, expires, lengths, SHA-256). The payload is written first and the record
 * last, so a record is visible only once its payload is complete; readers go through the record,
 * verify the checksum (RESULT_CORRUPTED otherwise) and expiry (RESULT_NOT_FOUND). An overwrite
 * writes a new payload beside the old one and removes the old one after the new record is in
 * place, so a concurrent reader never sees a half-replaced result.
 *
 * Keys follow the storage path rules (`flow/run-1/output`); a key that escapes is refused with
 * PATH_OUTSIDE_BASE.
 */
export class ResultStore {
  private readonly storageOption: ResultStorageSetting | undefined;
  private fileSystemPromise: Promise<WritableFileSystem> | undefined;
  private readonly serializer: Serializer;
  private readonly serializers = new Map<string, Serializer>();
  /** The resolved prefix, `""` or ending with `/`. */
  readonly prefix: string;
  /** Compression of new payloads. */
  readonly compression: Compression;

  constructor(options: ResultStoreOptions = {}) {
    this.storageOption = options.storage;
    for (const serializer of [...builtInSerializers, ...(options.serializers ?? [])]) {
      this.serializers.set(serializer.name, serializer);
    }
    this.serializer = this.pickSerializer(options.serializer ?? jsonSerializer);
    const prefix = resolveStoragePrefix(options.prefix ?? "");
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.compression = options.compression ?? "none";
    const compressions = compressionSchema.options;
    if (!compressions.includes(this.compression)) {
      throw new InvalidInputError({
        subject: "compression",
        message: `ResultStore compression must be one of ${compressions.map((name) => `"${name}"`).join(", ")} (got ${JSON.stringify(this.compression)}).`,
      });
    }
  }

  private pickSerializer(serializer: Serializer | string): Serializer {
    if (typeof serializer !== "string") {
      this.serializers.set(serializer.name, serializer);
      return serializer;
    }
    const known = this.serializers.get(serializer);
    if (!known)
      throw new UnknownSerializerError({ serializer, known: [...this.serializers.keys()] });
    return known;
  }

  /** The file system results are stored in (resolving a slug on first use). */
  fileSystem(): Promise<WritableFileSystem> {
    this.fileSystemPromise ??= resolveResultStorage(this.storageOption).catch((error: unknown) => {
      this.fileSystemPromise = undefined;
      throw error;
    });
    return this.fileSystemPromise;
  }

  private paths(key: string): { key: string; metadata: string; payload: (id: string) => string } {
    const resolved = resolveStoragePath(key);
    const base = this.prefix + resolved;
    return {
      key: resolved,
      metadata: base + metadataSuffix,
      payload: (id) => `${base}.${id}${payloadSuffix}`,
    };
  }

  /**
   * Stores a value under a key, replacing any earlier result. Streams (with the `binary`
   * serializer) are written as they are read, hashing on the way, so memory stays bounded.
   * Returns the metadata record.
   */
  async put(key: string, value: unknown, options: PutResultOptions = {}): Promise<ResultMetadata> {
    const paths = this.paths(key);
    checkExpiresIn(options.expiresIn);
    const serializer =
      options.serializer === undefined ? this.serializer : this.pickSerializer(options.serializer);
    const fileSystem = await this.fileSystem();
    options.signal?.throwIfAborted();
    const content = await serializeWith(serializer, value);
    // A corrupted record is simply replaced (its payload, if any, is left as an orphan).
    const previous = await this.readMetadata(fileSystem, paths.key, paths.metadata).catch(
      (error: unknown) => {
        if (ResultCorruptedError.isInstance(error)) return undefined;
        throw error;
      },
    );
    const payloadId = newPayloadId();
    const payloadPath = paths.payload(payloadId);
    const payload = await this.writePayload(fileSystem, payloadPath, content, options);
    const metadata = metadataRecord({
      key: paths.key,
      serializer: serializer.name,
      compression: this.compression,
      expiresIn: options.expiresIn,
      payloadId,
      payload,
    });
    try {
      options.signal?.throwIfAborted();
      await fileSystem.writePath(paths.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
    } catch (error) {
      await fileSystem.delete(payloadPath).catch(() => false);
      throw error;
    }
    if (previous && previous.payloadId !== payloadId) {
      await fileSystem.delete(paths.payload(previous.payloadId)).catch(() => false);
    }
    return metadata;
  }

  /**
   * Writes serialized content to a new payload file: counted (for progress), compressed, then
   * hashed. The hash trails the write: each piece goes to the file system at once and is hashed
   * while it (and the fsync after the last one) is on its way, rather than before. A failed
   * write leaves no payload behind.
   */
  private async writePayload(
    fileSystem: WritableFileSystem,
    payloadPath: string,
    content: SerializedContent,
    options: PutResultOptions,
  ): Promise<WrittenPayload> {
    const totalBytes = options.contentLength ?? knownContentLength(content);
    const counter = { contentLength: 0 };
    const hash = new TrailingHash();
    // Bytes the caller holds in memory anyway may all wait to be hashed; pieces of a stream or of
    // compressed output are held only up to a bound, so memory stays flat.
    const backlogBytes =
      this.compression === "none" && (typeof content === "string" || content instanceof Uint8Array)
        ? Number.POSITIVE_INFINITY
        : maxHashBacklogBytes;
    const counted = countedChunks(content, totalBytes, counter, options.onProgress);
    const stored = hashedSlices(compressed(counted, this.compression), hash, backlogBytes);
    let sha256: string;
    try {
      await fileSystem.writePath(
        payloadPath,
        stored,
        options.signal ? { signal: options.signal } : {},
      );
      sha256 = await hash.digest();
    } catch (error) {
      hash.stop();
      await fileSystem.delete(payloadPath).catch(() => false);
      throw error;
    }
    return { length: hash.length, contentLength: counter.contentLength, sha256 };
  }

  /**
   * The metadata record of a key, or `undefined` when there is none. Does not check expiry or
   * the payload; RESULT_CORRUPTED when the record itself is unreadable.
   */
  async info(key: string): Promise<ResultMetadata | undefined> {
    const paths = this.paths(key);
    return this.readMetadata(await this.fileSystem(), paths.key, paths.metadata);
  }

  private async readMetadata(
    fileSystem: WritableFileSystem,
    key: string,
    path: string,
  ): Promise<ResultMetadata | undefined> {
    // Read as a stream that stops one byte past the largest record, so a record file that grew
    // (or was replaced by something huge) costs no more than that.
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      const stream = await fileSystem.createReadStream(path);
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size > maxMetadataBytes) break;
        }
      } finally {
        stream.destroy();
      }
    } catch (error) {
      if (FileNotFoundError.isInstance(error)) return undefined;
      throw error;
    }
    if (size > maxMetadataBytes) {
      throw new ResultCorruptedError({
        key,
        reason: `its metadata record is more than ${maxMetadataBytes} bytes, more than a record can be`,
      });
    }
    const bytes = Buffer.concat(chunks, size);
    let parsed: unknown;
    try {
      parsed = JSON.parse(toBuffer(bytes).toString("utf8"));
    } catch (error) {
      throw new ResultCorruptedError({
        key,
        reason: "its metadata record is not JSON",
        cause: error,
      });
    }
    const result = resultMetadataSchema.safeParse(parsed);
    if (!result.success) {
      const fields = result.error.issues
        .map((issue) => issue.path.join(".") || "(record)")
        .join(", ");
      throw new ResultCorruptedError({
        key,
        reason: `its metadata record is malformed (${fields})`,
      });
    }
    if (result.data.key !== key) {
      throw new ResultCorruptedError({
        key,
        reason: `its metadata record names another key ("${result.data.key}")`,
      });
    }
    return result.data;
  }

  private async freshMetadata(
    fileSystem: WritableFileSystem,
    key: string,
    path: string,
  ): Promise<ResultMetadata> {
    const metadata = await this.readMetadata(fileSystem, key, path);
    if (!metadata) throw new ResultNotFoundError({ key });
    if (metadata.expiresAt !== null) {
      const expiresAt = new Date(metadata.expiresAt);
      if (expiresAt.getTime() <= Date.now())
        throw new ResultNotFoundError({ key, expiredAt: expiresAt });
    }
    return metadata;
  }

  private serializerFor(metadata: ResultMetadata): Serializer {
    const serializer = this.serializers.get(metadata.serializer);
    if (!serializer) {
      throw new UnknownSerializerError({
        serializer: metadata.serializer,
        key: metadata.key,
        known: [...this.serializers.keys()],
      });
    }
    return serializer;
  }

  /**
   * Opens a fresh result's record and payload. A concurrent overwrite may remove the payload a
   * record named between the two reads; then the newer record is read again.
   */
  private async open<T>(
    key: string,
    read: (
      fileSystem: WritableFileSystem,
      metadata: ResultMetadata,
      payloadPath: string,
    ) => Promise<T>,
  ): Promise<T> {
    const paths = this.paths(key);
    const fileSystem = await this.fileSystem();
    for (let attempt = 0; ; attempt++) {
      const metadata = await this.freshMetadata(fileSystem, paths.key, paths.metadata);
      try {
        return await read(fileSystem, metadata, paths.payload(metadata.payloadId));
      } catch (error) {
        if (!FileNotFoundError.isInstance(error)) throw error;
        const now = await this.readMetadata(fileSystem, paths.key, paths.metadata);
        if (!now) throw new ResultNotFoundError({ key: paths.key });
        if (now.payloadId === metadata.payloadId || attempt >= 3) {
          throw new ResultCorruptedError({
            key: paths.key,
            reason: "its payload file is missing",
            cause: error,
          });
        }
      }
    }
  }

  /** The value stored under a key, checked against its checksum and expiry. */
  async get<T = unknown>(key: string, options: GetResultOptions = {}): Promise<T> {
    return this.open(key, async (fileSystem, metadata, payloadPath) => {
      const serializer = this.serializerFor(metadata);
      // Hash each piece while the next one is read (when the file system offers onChunk);
      // otherwise hash the bytes once they are all there.
      let hash = createHash("sha256");
      let hashed = 0;
      const bytes = toBuffer(
        await fileSystem.readPath(payloadPath, {
          ...options,
          onChunk: (chunk) => {
            hash.update(chunk);
            hashed += chunk.byteLength;
            // Stop reading a payload that has grown past its record: no more bytes are read.
            if (hashed > metadata.length) throw tooLong(metadata, hashed);
          },
        }),
      );
      if (hashed !== bytes.byteLength) hash = createHash("sha256").update(bytes);
      const length = bytes.byteLength;
      verify(metadata, length, hash.digest("hex"));
      const content = await decompressed(metadata, bytes);
      try {
        return (await serializer.deserialize(content)) as T;
      } catch (error) {
        if (SerializationFailedError.isInstance(error)) throw error;
        throw new SerializationFailedError({
          serializer: serializer.name,
          direction: "deserialize",
          reason: (error as Error).message,
          cause: error,
        });
      }
    });
  }

  /**
   * The serialized bytes of a result as a stream (decompressed), for values too big to hold in
   * memory. The checksum is computed while streaming: when it does not match, the stream fails
   * with RESULT_CORRUPTED at its end, so treat the data as trusted only once the stream ends
   * without an error.
   */
  async getStream(key: string, options: GetResultOptions = {}): Promise<Readable> {
    return this.open(key, async (fileSystem, metadata, payloadPath) => {
      const raw = await fileSystem.createReadStream(payloadPath, options);
      const hash = createHash("sha256");
      let length = 0;
      const verifier = new Transform({
        transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
          hash.update(chunk);
          length += chunk.length;
          if (length > metadata.length) {
            callback(tooLong(metadata, length));
            return;
          }
          callback(null, chunk);
        },
        flush(callback: TransformCallback) {
          try {
            verify(metadata, length, hash.digest("hex"));
            callback();
          } catch (error) {
            callback(error as Error);
          }
        },
      });
      const done = () => {};
      if (metadata.compression === "none") return pipeline(raw, verifier, done);
      const decompress =
        metadata.compression === "gzip" ? createGunzip() : createBrotliDecompress();
      return pipeline(raw, verifier, decompress, bounded(metadata), done);
    });
  }

  /** Whether a fresh result is stored under a key (reads only the metadata record). */
  async has(key: string): Promise<boolean> {
    const paths = this.paths(key);
    try {
      await this.freshMetadata(await this.fileSystem(), paths.key, paths.metadata);
      return true;
    } catch (error) {
      if (ResultNotFoundError.isInstance(error)) return false;
      throw error;
    }
  }

  /** Deletes a result (record first, then payload); false when none was stored. */
  async delete(key: string): Promise<boolean> {
    const paths = this.paths(key);
    const fileSystem = await this.fileSystem();
    let metadata: ResultMetadata | undefined;
    try {
      metadata = await this.readMetadata(fileSystem, paths.key, paths.metadata);
    } catch (error) {
      if (!ResultCorruptedError.isInstance(error)) throw error;
    }
    const deleted = await fileSystem.delete(paths.metadata);
    if (metadata) await fileSystem.delete(paths.payload(metadata.payloadId));
    return deleted;
  }

  /**
   * The keys of the stored results under a key prefix (`daily/`, or `daily` for `daily-old/…`
   * too), in key order, expired ones included. Reads only the listing.
   */
  async *keys(prefix = ""): AsyncGenerator<string> {
    const fileSystem = await this.fileSystem();
    for await (const entry of fileSystem.list(this.prefix + resolveStoragePrefix(prefix))) {
      const relative = entry.path.slice(this.prefix.length);
      if (relative.endsWith(metadataSuffix)) yield relative.slice(0, -metadataSuffix.length);
    }
  }

  /**
   * Removes what failed or raced writes left behind: payload files that no record names (older
   * than `olderThan`, so a put still in flight keeps its payload), and with `expired`, results
   * that have expired. Returns how many files were removed.
   */
  async prune(options: PruneResultsOptions = {}): Promise<number> {
    const fileSystem = await this.fileSystem();
    const olderThan = options.olderThan ?? 60 * 60 * 1000;
    const payloadPattern = /^(.*)\.([0-9a-z]{8,64})\.payload$/;
    const payloads: { key: string; id: string; path: string; modifiedAt: Date | undefined }[] = [];
    const records = new Set<string>();
    for await (const entry of fileSystem.list(this.prefix)) {
      const relative = entry.path.slice(this.prefix.length);
      if (relative.endsWith(metadataSuffix)) {
        records.add(relative.slice(0, -metadataSuffix.length));
        continue;
      }
      const match = payloadPattern.exec(relative);
      if (match)
        payloads.push({
          key: match[1]!,
          id: match[2]!,
          path: entry.path,
          modifiedAt: entry.modifiedAt,
        });
    }
    let removed = 0;
    const live = new Map<string, string | undefined>();
    for (const key of records) {
      const paths = this.paths(key);
      const metadata = await this.readMetadata(fileSystem, paths.key, paths.metadata).catch(
        (error: unknown) => {
          // A corrupted record names nothing; any other failure stops the prune, deleting nothing more.
          if (ResultCorruptedError.isInstance(error)) return undefined;
          throw error;
        },
      );
      const expired =
        metadata?.expiresAt !== null &&
        metadata !== undefined &&
        Date.parse(metadata.expiresAt) <= Date.now();
      if (options.expired && expired && (await this.delete(key))) {
        removed += 2;
        live.set(key, undefined);
        continue;
      }
      live.set(key, metadata?.payloadId);
    }
    const cutoff = Date.now() - olderThan;
    for (const payload of payloads) {
      if (live.get(payload.key) === payload.id) continue;
      // Without a modification time, a payload could belong to a put in flight: keep it.
      const recent = payload.modifiedAt ? payload.modifiedAt.getTime() > cutoff : olderThan > 0;
      if (recent) continue;
      if (await fileSystem.delete(payload.path)) removed++;
    }
    return removed;
  }
}

/** Options of `ResultStore.prune`. */
export interface PruneResultsOptions {
  /** Only payloads older than this many milliseconds count as left behind. @default 3600000 (an hour) */
  olderThan?: number;
  /** Also delete results that have expired. @default false */
  expired?: boolean;
}

/** What a serializer produces: text, bytes or a stream of bytes. */
type SerializedContent = Awaited<ReturnType<Serializer["serialize"]>>;

/** A payload as written: its stored length, the length before compression and its SHA-256. */
interface WrittenPayload {
  length: number;
  contentLength: number;
  sha256: string;
}

function checkExpiresIn(expiresIn: number | undefined): void {
  if (expiresIn !== undefined && !(Number.isFinite(expiresIn) && expiresIn >= 0)) {
    throw new InvalidInputError({
      subject: "expiresIn",
      message: `expiresIn must be a number of milliseconds, 0 or more (got ${String(expiresIn)}); leave it out for a result that never expires.`,
    });
  }
}

/** The serializer's output; a failure of its own becomes SERIALIZATION_FAILED. */
async function serializeWith(serializer: Serializer, value: unknown): Promise<SerializedContent> {
  try {
    return await serializer.serialize(value);
  } catch (error) {
    if (SerializationFailedError.isInstance(error)) throw error;
    throw new SerializationFailedError({
      serializer: serializer.name,
      direction: "serialize",
      reason: (error as Error).message,
      cause: error,
    });
  }
}

/** The content's chunks, counted into `counter` and reported to `onProgress` as they pass. */
async function* countedChunks(
  content: SerializedContent,
  totalBytes: number | undefined,
  counter: { contentLength: number },
  onProgress: ((progress: TransferProgress) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of writableContentChunks(content)) {
    counter.contentLength += chunk.byteLength;
    const bytes = counter.contentLength;
    onProgress?.(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
    yield chunk;
  }
}

/**
 * The source's bytes, added to `hash` on the way out. Big chunks go in slices, so writing
 * overlaps with hashing from the first slice on; at most `backlogBytes` wait to be hashed.
 */
async function* hashedSlices(
  source: AsyncIterable<Uint8Array>,
  hash: TrailingHash,
  backlogBytes: number,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.byteLength; offset += writeSliceBytes) {
      const slice = chunk.subarray(offset, Math.min(chunk.byteLength, offset + writeSliceBytes));
      hash.add(slice);
      yield slice;
      await hash.settled(backlogBytes);
    }
  }
}

/** The metadata record of a payload just written, created now. */
function metadataRecord(input: {
  key: string;
  serializer: string;
  compression: Compression;
  expiresIn: number | undefined;
  payloadId: string;
  payload: WrittenPayload;
}): ResultMetadata {
  const createdAt = new Date();
  return {
    format: "tessera-result/1",
    key: input.key,
    serializer: input.serializer,
    compression: input.compression,
    createdAt: createdAt.toISOString(),
    expiresAt:
      input.expiresIn === undefined
        ? null
        : new Date(createdAt.getTime() + input.expiresIn).toISOString(),
    length: input.payload.length,
    contentLength: input.payload.contentLength,
    sha256: input.payload.sha256,
    payloadId: input.payloadId,
  };
}

function tooLong(metadata: ResultMetadata, length: number): ResultCorruptedError {
  return new ResultCorruptedError({
    key: metadata.key,
    reason: `its payload is longer than the ${metadata.length} bytes its record says (${length} read so far)`,
  });
}

function inflatedTooFar(metadata: ResultMetadata): ResultCorruptedError {
  return new ResultCorruptedError({
    key: metadata.key,
    reason: `its ${metadata.compression} payload decompresses to more than the ${metadata.contentLength} bytes its record says`,
  });
}

/**
 * The decompressed content of a verified payload. Decompression stops at the length the record
 * gives, so a payload that inflates further (a decompression bomb) costs no more memory than that.
 */
async function decompressed(metadata: ResultMetadata, bytes: Buffer): Promise<Buffer> {
  if (metadata.compression === "none") return bytes;
  // zlib refuses a limit of 0; one byte more than an empty result is caught by the length check.
  const maxOutputLength = Math.max(1, metadata.contentLength);
  let content: Buffer;
  try {
    content =
      metadata.compression === "gzip"
        ? await gunzipBytes(bytes, { maxOutputLength })
        : await brotliDecompressBytes(bytes, { maxOutputLength });
  } catch (error) {
    if (errorCode(error) === "ERR_BUFFER_TOO_LARGE") throw inflatedTooFar(metadata);
    throw new ResultCorruptedError({
      key: metadata.key,
      reason: `its ${metadata.compression} payload does not decompress`,
      cause: error,
    });
  }
  if (content.byteLength !== metadata.contentLength) {
    if (content.byteLength > metadata.contentLength) throw inflatedTooFar(metadata);
    throw new ResultCorruptedError({
      key: metadata.key,
      reason: `its payload decompresses to ${content.byteLength} bytes but its record says ${metadata.contentLength}`,
    });
  }
  return content;
}

/** Passes decompressed bytes on while they stay within the record's length, and checks the total. */
function bounded(metadata: ResultMetadata): Transform {
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      length += chunk.length;
      if (length > metadata.contentLength) {
        callback(inflatedTooFar(metadata));
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (length === metadata.contentLength) {
        callback();
        return;
      }
      callback(
        new ResultCorruptedError({
          key: metadata.key,
          reason: `its payload decompresses to ${length} bytes but its record says ${metadata.contentLength}`,
        }),
      );
    },
  });
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null
    ? (error as { code?: string }).code
    : undefined;
}

function verify(metadata: ResultMetadata, length: number, sha256: string): void {
  if (length !== metadata.length) {
    throw new ResultCorruptedError({
      key: metadata.key,
      reason: `its payload is ${length} bytes but its record says ${metadata.length}`,
    });
  }
  if (sha256 !== metadata.sha256) {
    throw new ResultCorruptedError({
      key: metadata.key,
      reason: "its payload's SHA-256 does not match its record",
    });
  }
}

function compressed(
  source: AsyncIterable<Uint8Array>,
  compression: Compression,
): AsyncIterable<Uint8Array> {
  if (compression === "none") return source;
  const compressor =
    compression === "gzip"
      ? createGzip()
      : createBrotliCompress({
          params: {
            // Quality 5 streams at tens of MB/s; the default (11) is far slower for little gain.
            [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
          },
        });
  return pipeline(Readable.from(source), compressor, () => {});
}
