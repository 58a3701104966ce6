import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  defineBlock,
  type FileEntry,
  InvalidInputError,
  parseSlug,
  type WritableContent,
  type WritableFileSystem,
  z,
} from "@tessera/core";
import {
  abortableChunks,
  knownContentLength,
  type ListObjectsOptions,
  type ObjectEntry,
  type ObjectStore,
  ObjectStoreByFolder,
  type ObjectStoreWire,
  objectStoreOf,
  storageFolderField,
  withObjectStoreMethods,
  writableContentChunks,
} from "@tessera/core/provider";
import { AwsCredentials } from "./aws-credentials.js";
import { describeSdkError } from "./describe-sdk-error.js";
import { S3BucketNotFoundError } from "./errors/index.js";
import { loadS3Sdk, type S3Sdk } from "./lazy-sdk.js";
import { uploadStream } from "./multipart-upload.js";
import { translateS3Error } from "./translate-s3-error.js";

const mebibyte = 1 << 20;

/** S3's bucket naming rules (general purpose buckets). */
const bucketNamePattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const s3BucketSchema = z.object({
  /** The bucket's name (3–63 lower-case letters, digits, dots and hyphens). */
  bucketName: z
    .string()
    .regex(
      bucketNamePattern,
      "must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
    ),
  /** How to reach AWS. @default {} (the SDK's default provider chain and region) */
  credentials: AwsCredentials.field().prefault({}),
  /**
   * The folder inside the bucket that every path is relative to, such as `results/prod`. Joined
   * to each path exactly once.
   * @default "" (the bucket's root)
   */
  bucketFolder: storageFolderField(),
  /**
   * Bytes per part of a multipart upload; content larger than one part is uploaded in parts, at
   * most `uploadConcurrency + 1` part buffers in memory at a time. S3's minimum is 5 MiB; a part
   * is made larger when a write's known `contentLength` would need more than 10,000 parts.
   * @default 5242880 (5 MiB, as the AWS SDK's own uploader)
   */
  partSizeBytes: z
    .number()
    .int()
    .min(5 * mebibyte)
    .max(5 * 1024 * mebibyte)
    .default(5 * mebibyte),
  /** Parts of one multipart upload sent at the same time. @default 4 */
  uploadConcurrency: z.number().int().min(1).max(64).default(4),
  /** Keys per listing request (S3 returns at most 1000). @default 1000 */
  listPageSize: z.number().int().min(1).max(1000).default(1000),
});

/** Options of `S3Bucket.copyObject` and `S3Bucket.moveObject`. */
export interface CopyObjectOptions {
  /**
   * The bucket to copy into: an `S3Bucket` (its own folder applies to `to`), the slug of a saved
   * one (`"s3-bucket/archive"`), or a bucket name, reached with this bucket's credentials at its
   * root.
   * @default this bucket
   */
  toBucket?: S3Bucket | string;
}

/**
 * `s3-bucket`: a folder of an S3 bucket (or of an S3-compatible service) as a
 * `WritableFileSystem`, usable as result storage (`new ResultStore({ storage: bucket })` or the
 * slug `"s3-bucket/<name>"`).
 *
 * ```ts
 * const bucket = new S3Bucket({ bucketName: "my-results", bucketFolder: "prod" });
 * await bucket.writePath("daily/report.json", JSON.stringify(report)); // s3://my-results/prod/daily/report.json
 * ```
 *
 * Every path goes through core's storage path resolver, and the bucket folder is joined exactly
 * once, so a key returned by `writePath` names the same object when it is used again. Streams are
 * uploaded in parts with bounded memory; a failed or aborted upload is aborted on S3, so no
 * partial object is ever visible.
 */
export class S3Bucket
  extends withObjectStoreMethods(
    defineBlock({
      type: "s3-bucket",
      title: "S3 bucket",
      description:
        "A folder of an S3 bucket: read, write, list, copy and move objects, and store results there.",
      capabilities: ["read-path", "write-path"],
      schema: s3BucketSchema,
    }),
  )
  implements WritableFileSystem
{
  readonly #stores = new ObjectStoreByFolder();
  /** Set once the bucket has been seen to exist (see `statObject`). */
  #bucketConfirmed = false;

  /** The object store `withObjectStoreMethods` serves the file methods from. */
  [objectStoreOf](): ObjectStore {
    return this.#stores.for(this.#wire, this.bucketFolder);
  }

  /** The S3 client of this bucket's credentials (cached per credentials). */
  getClient(): Promise<S3Client> {
    return this.credentials.getS3Client();
  }

  /** Runs one S3 call, turning SDK errors into Tessera errors that name the bucket. */
  async #call<Result>(
    operation: string,
    key: string | undefined,
    action: (client: S3Client, sdk: S3Sdk) => Promise<Result>,
  ): Promise<Result> {
    const [client, sdk] = await Promise.all([this.getClient(), loadS3Sdk()]);
    try {
      return await action(client, sdk);
    } catch (error) {
      throw translateS3Error(error, {
        bucket: this.bucketName,
        operation,
        ...(key === undefined ? {} : { key }),
      });
    }
  }

  /** S3's wire operations; everything else comes from `ObjectStore`. */
  readonly #wire: ObjectStoreWire & { bucketName(): string } = {
    bucketName: () => this.bucketName,
    describeLocation: (baseFolder) =>
      baseFolder === "" ? `s3://${this.bucketName}` : `s3://${this.bucketName}/${baseFolder}`,
    readObject: (key, { signal, notFound }) =>
      this.#call("GetObject", key, async (client, { GetObjectCommand }) => {
        try {
          const response = await client.send(
            new GetObjectCommand({ Bucket: this.bucketName, Key: key }),
            signal ? { abortSignal: signal } : {},
          );
          const body = response.Body as Readable | undefined;
          return response.ContentLength === undefined
            ? { body }
            : { body, contentLength: response.ContentLength };
        } catch (error) {
          if (describeSdkError(error).name === "NoSuchKey") throw notFound(error);
          throw error;
        }
      }),
    writeObject: async (key, content, { signal, totalBytes, onBytes }) => {
      const knownLength = knownContentLength(content);
      if (knownLength !== undefined && knownLength <= this.partSizeBytes) {
        const body = typeof content === "string" ? Buffer.from(content) : (content as Uint8Array);
        await this.#call("PutObject", key, (client, { PutObjectCommand }) =>
          client.send(
            new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: body }),
            signal ? { abortSignal: signal } : {},
          ),
        );
        onBytes(body.byteLength);
        return;
      }
      await this.#upload(key, content, signal, onBytes, totalBytes);
    },
    statObject: (key) =>
      this.#call("HeadObject", key, async (client, { HeadObjectCommand }) => {
        try {
          const head = await client.send(
            new HeadObjectCommand({ Bucket: this.bucketName, Key: key }),
          );
          this.#bucketConfirmed = true;
          return {
            key,
            size: head.ContentLength ?? 0,
            ...(head.LastModified ? { modifiedAt: head.LastModified } : {}),
          };
        } catch (error) {
          if (describeSdkError(error).status !== 404) throw error;
          // A HEAD reply has no body, so a missing bucket also answers 404: check the bucket once.
          if (!this.#bucketConfirmed) await this.#confirmBucket(client);
          return undefined;
        }
      }),
    deleteObject: async (key) => {
      await this.#call("DeleteObject", key, (client, { DeleteObjectCommand }) =>
        client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key })),
      );
    },
    listPage: async (prefix, { delimiter, cursor }) => {
      const page = await this.#call("ListObjectsV2", prefix, (client, { ListObjectsV2Command }) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: this.bucketName,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...(cursor === undefined ? {} : { ContinuationToken: cursor }),
          }),
        ),
      );
      const entries: ObjectEntry[] = [];
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        entries.push({
          key: object.Key,
          size: object.Size ?? 0,
          ...(object.LastModified ? { modifiedAt: object.LastModified } : {}),
        });
      }
      const nextCursor = page.IsTruncated ? page.NextContinuationToken : undefined;
      return nextCursor === undefined ? { entries } : { entries, nextCursor };
    },
    copyObject: async (source, destinationKey, { notFound }) => {
      const sourceBucket = (source.wire as { bucketName?: () => string }).bucketName?.();
      if (sourceBucket === undefined) {
        throw new InvalidInputError({
          subject: "source",
          message: "S3 copies objects only from another S3 bucket.",
        });
      }
      await this.#call("CopyObject", destinationKey, async (client, { CopyObjectCommand }) => {
        try {
          return await client.send(
            new CopyObjectCommand({
              Bucket: this.bucketName,
              Key: destinationKey,
              CopySource: `${sourceBucket}/${encodeURIComponent(source.key).replace(/%2F/g, "/")}`,
            }),
          );
        } catch (error) {
          if (describeSdkError(error).name === "NoSuchKey") throw notFound(error);
          throw error;
        }
      });
    },
  };

  /** The S3 key of a path: bucket folder + resolved path. */
  objectKey(path: string): string {
    return this[objectStoreOf]().objectKey(path);
  }

  /**
   * Streams content to a key (see `uploadStream`): a multipart upload holding at most
   * `partSizeBytes × (uploadConcurrency + 1)` bytes in memory. On failure or abort the multipart
   * upload is aborted before this returns.
   */
  async #upload(
    key: string,
    content: WritableContent,
    signal: AbortSignal | undefined,
    report: (bytes: number) => void,
    totalBytes: number | undefined,
  ): Promise<void> {
    const [sdk, client] = await Promise.all([loadS3Sdk(), this.getClient()]);
    // S3 allows 10,000 parts: a known size that needs more gets larger parts.
    const partSize = Math.max(this.partSizeBytes, Math.ceil((totalBytes ?? 0) / 10_000));
    const source = abortableChunks(writableContentChunks(content), signal);
    try {
      await uploadStream({
        client,
        sdk,
        bucket: this.bucketName,
        key,
        source,
        partSize,
        concurrency: this.uploadConcurrency,
        ...(signal ? { signal } : {}),
        onProgress: report,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw translateS3Error(error, { bucket: this.bucketName, operation: "PutObject", key });
    } finally {
      if (content instanceof Readable) content.destroy();
    }
  }

  async #confirmBucket(client: S3Client): Promise<void> {
    const { HeadBucketCommand } = await loadS3Sdk();
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.bucketName }));
      this.#bucketConfirmed = true;
    } catch (error) {
      const { name, status } = describeSdkError(error);
      if (status === 404 || name === "NotFound") {
        throw new S3BucketNotFoundError({ bucket: this.bucketName, cause: error });
      }
      throw error;
    }
  }

  /**
   * Objects under a folder (relative to the bucket folder), collected: every object at any depth,
   * or with `{ delimiter: "/" }` only those directly in it. `folder` is a folder name (`reports`
   * lists `reports/…`, never `reports-old/…`); `""` is the bucket folder itself.
   */
  listObjects(folder = "", options: ListObjectsOptions = {}): Promise<FileEntry[]> {
    return this[objectStoreOf]().listObjects(folder, options);
  }

  /**
   * Copies an object within S3 (no bytes pass through this process), to this bucket or
   * `options.toBucket`. Returns the destination key relative to the destination's folder.
   * Objects over 5 GiB need a multipart copy, which this method does not do.
   */
  async copyObject(from: string, to: string, options: CopyObjectOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toBucket);
    return this[objectStoreOf]().copyObject(from, to, destination[objectStoreOf]());
  }

  /** Copies an object (see `copyObject`), then deletes the source. Returns the destination key. */
  async moveObject(from: string, to: string, options: CopyObjectOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toBucket);
    return this[objectStoreOf]().moveObject(from, to, destination[objectStoreOf]());
  }

  /** The bucket `toBucket` names: this one, a block, a saved slug or a bucket name. */
  async #destination(toBucket: S3Bucket | string | undefined): Promise<S3Bucket> {
    if (toBucket === undefined) return this;
    if (typeof toBucket !== "string") return toBucket;
    if (!toBucket.includes("/")) {
      return new S3Bucket({ bucketName: toBucket, credentials: this.credentials });
    }
    const { type, name } = parseSlug(toBucket);
    if (type !== S3Bucket.type) {
      throw new InvalidInputError({
        subject: "toBucket",
        message: `"${toBucket}" is not an s3-bucket slug. Give an S3Bucket, a slug such as "s3-bucket/archive", or a bucket name.`,
      });
    }
    return S3Bucket.load(name);
  }
}
