import { PassThrough, pipeline, Readable } from "node:stream";
import type { Bucket, File, Storage } from "@google-cloud/storage";
import {
  defineBlock,
  type FileEntry,
  InvalidInputError,
  parseSlug,
  type WritableFileSystem,
  z,
} from "@tessera/core";
import {
  abortableChunks,
  knownContentLength,
  type ListObjectsOptions,
  logDebug,
  type ObjectEntry,
  type ObjectStore,
  ObjectStoreByFolder,
  type ObjectStoreWire,
  objectStoreOf,
  storageFolderField,
  withObjectStoreMethods,
  writableContentChunks,
} from "@tessera/core/provider";
import { GcpCredentials } from "./gcp-credentials.js";
import { loadStorageSdk } from "./lazy-sdk.js";
import { type ObjectResource, resumableUpload } from "./resumable-upload.js";
import { backoff } from "./retries.js";
import {
  describeGcsError,
  isMissingBucket,
  isTransientGcsError,
  translateGcsError,
} from "./translate-gcs-error.js";

const mebibyte = 1 << 20;

/**
 * Starts a read stream's request and settles once Cloud Storage has answered: fulfilled on a
 * 2xx status, rejected with the client's error otherwise (which it raises after reading the
 * error's body), on a lost connection, or on abort. No data is consumed.
 */
function answered(source: Readable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      source.off("response", onResponse);
      reject(signal?.reason);
    };
    const onResponse = (response: { statusCode?: number }) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }
    };
    source.on("response", onResponse);
    // Stays attached: an error after the answer belongs to whoever reads the stream next.
    source.on("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    source.read(0);
  });
}
const chunkGranularity = 256 * 1024;

/** GCS bucket names: 3–63 characters (up to 222 with dots), lower-case letters, digits, `-_.`. */
const bucketNamePattern = /^[a-z0-9][a-z0-9_.-]{1,220}[a-z0-9]$/;

const gcsBucketSchema = z.object({
  /** The bucket's name, such as `acme-results` (not `gs://acme-results`). */
  bucket: z.string().superRefine((name, context) => {
    const scheme = /^gs:\/\/([^/]*)/i.exec(name);
    if (scheme) {
      context.addIssue({
        code: "custom",
        message: `write the bucket's name without gs://: "${scheme[1]}" (a folder inside the bucket goes in bucketFolder)`,
      });
    } else if (!bucketNamePattern.test(name) || name.includes("..")) {
      context.addIssue({
        code: "custom",
        message:
          "must be a GCS bucket name: 3-63 lower-case letters, digits, dashes, underscores and dots, starting and ending with a letter or digit",
      });
    }
  }),
  /** How to reach Google Cloud. @default {} (application-default credentials) */
  credentials: GcpCredentials.field().prefault({}),
  /**
   * The folder inside the bucket that every path is relative to, such as `results/prod`. Joined
   * to each path exactly once.
   * @default "" (the bucket's root)
   */
  bucketFolder: storageFolderField(),
  /**
   * Content of a known size up to this many bytes is sent in one request (a multipart upload);
   * larger content, and streams of unknown size, go through a resumable session. Google advises
   * single requests below about 10 MB.
   * @default 8388608 (8 MiB)
   */
  singleRequestMaxBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * mebibyte)
    .default(8 * mebibyte),
  /**
   * Bytes per request of a resumable upload, a multiple of 256 KiB; one buffer of this size is
   * held in memory per upload.
   * @default 8388608 (8 MiB)
   */
  chunkSizeBytes: z
    .number()
    .int()
    .min(chunkGranularity)
    .max(512 * mebibyte)
    .refine((size) => size % chunkGranularity === 0, "must be a multiple of 262144 (256 KiB)")
    .default(8 * mebibyte),
  /** Objects per listing request (GCS returns at most 1000). @default 1000 */
  listPageSize: z.number().int().min(1).max(1000).default(1000),
});

/** Options of `GcsBucket.copyObject` and `GcsBucket.moveObject`. */
export interface GcsCopyObjectOptions {
  /**
   * The bucket to copy into: a `GcsBucket` (its own folder applies to `to`), the slug of a saved
   * one (`"gcs-bucket/archive"`), or a bucket name, reached with this bucket's credentials at its
   * root.
   * @default this bucket
   */
  toBucket?: GcsBucket | string;
}

/** The generation precondition of a write: the live object's, or `0` for "no object". */
interface LiveObject {
  generation: string;
  size: number;
  updated: string | undefined;
}

/**
 * `gcs-bucket`: a folder of a Google Cloud Storage bucket as a `WritableFileSystem`, usable as
 * result storage (`new ResultStore({ storage: bucket })` or the slug `"gcs-bucket/<name>"`).
 *
 * ```ts
 * const bucket = new GcsBucket({ bucket: "acme-results", bucketFolder: "prod" });
 * await bucket.writePath("daily/report.json", JSON.stringify(report)); // gs://acme-results/prod/daily/report.json
 * ```
 *
 * Every path goes through core's storage path resolver and the folder is joined exactly once.
 * Writes carry a generation precondition and a CRC32C that Cloud Storage checks before it commits
 * the object, so a retried request cannot write twice and a failed overwrite leaves the previous
 * object intact. Reads stream and are verified by CRC32C.
 */
export class GcsBucket
  extends withObjectStoreMethods(
    defineBlock({
      type: "gcs-bucket",
      title: "GCS bucket",
      description:
        "A folder of a Google Cloud Storage bucket: read, write, list, copy and move objects, and store results there.",
      capabilities: ["read-path", "write-path"],
      schema: gcsBucketSchema,
    }),
  )
  implements WritableFileSystem
{
  readonly #stores = new ObjectStoreByFolder();

  /** The object store `withObjectStoreMethods` serves the file methods from. */
  [objectStoreOf](): ObjectStore {
    return this.#stores.for(this.#wire, this.bucketFolder);
  }

  /** The Cloud Storage client of this bucket's credentials (cached per credentials). */
  getStorage(): Promise<Storage> {
    return this.credentials.getStorage();
  }

  /** The client library's handle of this bucket. */
  async getBucket(): Promise<Bucket> {
    return (await this.getStorage()).bucket(this.bucket);
  }

  /** Runs one call, turning client errors into Tessera errors that name the bucket. */
  async #call<Result>(
    operation: string,
    key: string | undefined,
    action: (bucket: Bucket) => Promise<Result>,
  ): Promise<Result> {
    const bucket = await this.getBucket();
    try {
      return await action(bucket);
    } catch (error) {
      throw translateGcsError(error, {
        bucket: this.bucket,
        operation,
        ...(key === undefined ? {} : { key }),
      });
    }
  }

  /** The live object under a key, or `undefined`. */
  #live(key: string): Promise<LiveObject | undefined> {
    return this.#call("read", key, async (bucket) => {
      try {
        const [metadata] = await bucket.file(key).getMetadata();
        return {
          generation: String(metadata.generation),
          size: Number(metadata.size ?? 0),
          updated: metadata.updated,
        };
      } catch (error) {
        if (describeGcsError(error).status === 404 && !isMissingBucket(error)) return undefined;
        throw error;
      }
    });
  }

  /**
   * The object's media stream, once Cloud Storage has answered it with success: a transient
   * failure (408, 429, 5xx, a lost connection) is retried with backoff, as `clientOptions` set,
   * before any byte is handed on. The whole object, verified by CRC32C as it streams (the client
   * checks it at the end). Not pinned to a generation: an overwrite in between is read whole.
   */
  async #openMedia(key: string, signal: AbortSignal | undefined): Promise<Readable> {
    const storage = await this.credentials.getSingleTryStorage();
    const retries = this.credentials.clientOptions;
    for (let tries = 0; ; tries++) {
      signal?.throwIfAborted();
      const source = storage
        .bucket(this.bucket)
        .file(key)
        .createReadStream({ validation: "crc32c" });
      try {
        await answered(source, signal);
        return source;
      } catch (error) {
        source.destroy();
        if (signal?.aborted || tries >= retries.maxRetries || !isTransientGcsError(error)) {
          throw error;
        }
      }
      await backoff(retries, tries, signal);
    }
  }

  /** Cloud Storage's wire operations; everything else comes from `ObjectStore`. */
  readonly #wire: ObjectStoreWire & { bucketName(): string } = {
    bucketName: () => this.bucket,
    describeLocation: (baseFolder) =>
      baseFolder === "" ? `gs://${this.bucket}` : `gs://${this.bucket}/${baseFolder}`,
    readObject: async (key, { signal, notFound }) => {
      const live = await this.#live(key);
      if (live === undefined) throw notFound(undefined);
      let source: Readable;
      try {
        source = await this.#openMedia(key, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // Deleted between the metadata request and the media request.
        if (describeGcsError(error).status === 404 && !isMissingBucket(error)) {
          throw notFound(error);
        }
        throw translateGcsError(error, { bucket: this.bucket, operation: "read", key });
      }
      const body = new PassThrough();
      const onAbort = () => source.destroy(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      pipeline(source, body, (error) => {
        signal?.removeEventListener("abort", onAbort);
        if (!error || body.destroyed) return;
        body.destroy(
          translateGcsError(error, { bucket: this.bucket, operation: "read", key }) as Error,
        );
      });
      return { body, contentLength: live.size };
    },
    writeObject: async (key, content, { signal, onBytes }) => {
      const live = await this.#live(key);
      const ifGenerationMatch = live?.generation ?? "0";
      try {
        const knownLength = knownContentLength(content);
        if (knownLength !== undefined && knownLength <= this.singleRequestMaxBytes) {
          await this.#writeSmall(key, content as string | Uint8Array, ifGenerationMatch, signal);
          onBytes(knownLength);
          return;
        }
        const storage = await this.getStorage();
        await resumableUpload({
          storage,
          bucket: this.bucket,
          key,
          source: abortableChunks(writableContentChunks(content), signal),
          chunkSize: this.chunkSizeBytes,
          ifGenerationMatch,
          retries: this.credentials.clientOptions,
          ...(signal ? { signal } : {}),
          onBytes,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (describeGcsError(error).status === 412) {
          // Another writer replaced the object while this write was in flight: this write is
          // ordered before theirs, which is what readers see. Nothing of this one is left behind.
          logDebug("gcs", "write superseded by a concurrent write", { bucket: this.bucket, key });
          return;
        }
        throw translateGcsError(error, { bucket: this.bucket, operation: "write", key });
      } finally {
        if (content instanceof Readable) content.destroy();
      }
    },
    statObject: async (key) => {
      const live = await this.#live(key);
      if (live === undefined) {
        await this.#confirmBucket();
        return undefined;
      }
      return {
        key,
        size: live.size,
        ...(live.updated ? { modifiedAt: new Date(live.updated) } : {}),
      };
    },
    deleteObject: async (key) => {
      await this.#call("delete", key, async (bucket) => {
        await bucket.file(key).delete({ ignoreNotFound: true });
      });
    },
    listPage: async (prefix, { delimiter, cursor }) => {
      const [files, , response] = await this.#call("list", prefix, (bucket) =>
        bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(delimiter === undefined ? {} : { delimiter }),
          ...(cursor === undefined ? {} : { pageToken: cursor }),
        }),
      );
      const entries: ObjectEntry[] = files.map((file: File) => ({
        key: file.name,
        size: Number(file.metadata.size ?? 0),
        ...(file.metadata.updated ? { modifiedAt: new Date(file.metadata.updated) } : {}),
      }));
      const nextCursor = (response as { nextPageToken?: string } | undefined)?.nextPageToken;
      return nextCursor === undefined ? { entries } : { entries, nextCursor };
    },
    copyObject: async (source, destinationKey, { notFound }) => {
      const sourceBucket = (source.wire as { bucketName?: () => string }).bucketName?.();
      if (sourceBucket === undefined) {
        throw new InvalidInputError({
          subject: "source",
          message: "GCS copies objects only from another GCS bucket.",
        });
      }
      await this.#call("copy", destinationKey, async (bucket) => {
        const storage = await this.getStorage();
        try {
          await storage.bucket(sourceBucket).file(source.key).copy(bucket.file(destinationKey));
        } catch (error) {
          if (describeGcsError(error).status === 404 && !isMissingBucket(error)) {
            throw notFound(error);
          }
          throw error;
        }
      });
    },
  };

  /**
   * One multipart request, with the content's CRC32C in the metadata so Cloud Storage refuses
   * mismatching bytes before committing, and the generation precondition so the client's retries
   * are safe. The client library's own validation is off: on a mismatch it would delete the object
   * it had just written, losing the previous version.
   */
  async #writeSmall(
    key: string,
    content: string | Uint8Array,
    ifGenerationMatch: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { CRC32C } = await loadStorageSdk();
    const bytes = typeof content === "string" ? Buffer.from(content) : Buffer.from(content);
    const checksum = new CRC32C();
    checksum.update(bytes);
    const crc32c = checksum.toString();
    signal?.throwIfAborted();
    const bucket = await this.getBucket();
    const file = bucket.file(key);
    await file.save(bytes, {
      resumable: false,
      validation: false,
      contentType: "application/octet-stream",
      metadata: { crc32c },
      preconditionOpts: { ifGenerationMatch: Number(ifGenerationMatch) },
    });
    const stored = file.metadata as Partial<ObjectResource>;
    if (stored.crc32c !== undefined && stored.crc32c !== crc32c) {
      throw Object.assign(new Error("the stored object's CRC32C differs from the bytes sent"), {
        code: "FILE_NO_UPLOAD",
      });
    }
  }

  /** A missing object also answers 404 when the bucket is missing; GCS's message tells which. */
  async #confirmBucket(): Promise<void> {
    await this.#call("read", undefined, async (bucket) => {
      await bucket.getMetadata();
    });
  }

  /** The object name of a path: bucket folder + resolved path. */
  objectKey(path: string): string {
    return this[objectStoreOf]().objectKey(path);
  }

  /**
   * Objects under a folder (relative to the bucket folder), collected: every object at any depth,
   * or with `{ delimiter: "/" }` only those directly in it.
   */
  listObjects(folder = "", options: ListObjectsOptions = {}): Promise<FileEntry[]> {
    return this[objectStoreOf]().listObjects(folder, options);
  }

  /**
   * Copies an object within Cloud Storage (no bytes pass through this process), to this bucket or
   * `options.toBucket`. Returns the destination key relative to the destination's folder.
   */
  async copyObject(from: string, to: string, options: GcsCopyObjectOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toBucket);
    return this[objectStoreOf]().copyObject(from, to, destination[objectStoreOf]());
  }

  /** Copies an object (see `copyObject`), then deletes the source. Returns the destination key. */
  async moveObject(from: string, to: string, options: GcsCopyObjectOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toBucket);
    return this[objectStoreOf]().moveObject(from, to, destination[objectStoreOf]());
  }

  /** The bucket `toBucket` names: this one, a block, a saved slug or a bucket name. */
  async #destination(toBucket: GcsBucket | string | undefined): Promise<GcsBucket> {
    if (toBucket === undefined) return this;
    if (typeof toBucket !== "string") return toBucket;
    if (!toBucket.includes("/") || toBucket.startsWith("gs://")) {
      return new GcsBucket({ bucket: toBucket, credentials: this.credentials });
    }
    const { type, name } = parseSlug(toBucket);
    if (type !== GcsBucket.type) {
      throw new InvalidInputError({
        subject: "toBucket",
        message: `"${toBucket}" is not a gcs-bucket slug. Give a GcsBucket, a slug such as "gcs-bucket/archive", or a bucket name.`,
      });
    }
    return GcsBucket.load(name);
  }
}
