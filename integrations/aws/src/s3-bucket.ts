import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { addAbortSignal, pipeline, Readable } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  defineBlock,
  type FileEntry,
  FileNotFoundError,
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
  writableContentChunks,
  z,
} from "@tessera/core";
import { AwsCredentials } from "./aws-credentials.js";
import { describeSdkError } from "./describe-sdk-error.js";
import { S3BucketNotFoundError } from "./errors/index.js";
import { loadS3Sdk } from "./lazy-sdk.js";
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
  bucketFolder: z
    .string()
    .default("")
    .superRefine((folder, context) => {
      try {
        resolveBaseFolder(folder);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
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
  /** The bucket to copy into (its own folder applies to `to`). @default this bucket */
  toBucket?: S3Bucket;
}

/** Options of `S3Bucket.listObjects`. */
export interface ListObjectsOptions {
  /** Stop after this many objects. @default undefined (all of them) */
  maxItems?: number;
  /**
   * `"/"` lists only the objects directly in the folder, not those in its subfolders (S3's
   * `Delimiter`, as Prefect's `list_objects(delimiter="/")`).
   * @default undefined (every object under the folder, at any depth)
   */
  delimiter?: "/";
}

/** Options of `S3Bucket.downloadFolderToPath` and `S3Bucket.uploadFromFolder`. */
export interface FolderTransferOptions {
  /** Files transferred at the same time. @default 4 */
  concurrency?: number;
  /** Cancels the transfer; files already complete stay. @default undefined */
  signal?: AbortSignal;
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
  extends defineBlock({
    type: "s3-bucket",
    title: "S3 bucket",
    description:
      "A folder of an S3 bucket: read, write, list, copy and move objects, and store results there.",
    capabilities: ["read-path", "write-path"],
    schema: s3BucketSchema,
  })
  implements WritableFileSystem
{
  #resolverFor: { folder: string; resolver: StoragePathResolver } | undefined;
  /** Set once the bucket has been seen to exist (see `exists`). */
  #bucketConfirmed = false;

  /** The path resolver of this bucket folder. */
  get #resolver(): StoragePathResolver {
    if (this.#resolverFor?.folder !== this.bucketFolder) {
      this.#resolverFor = {
        folder: this.bucketFolder,
        resolver: new StoragePathResolver(this.bucketFolder),
      };
    }
    return this.#resolverFor.resolver;
  }

  /** `s3://bucket/folder`, for messages. */
  get #location(): string {
    const folder = this.#resolver.baseFolder;
    return folder === "" ? `s3://${this.bucketName}` : `s3://${this.bucketName}/${folder}`;
  }

  /** The S3 client of this bucket's credentials (cached per credentials). */
  getClient(): Promise<S3Client> {
    return this.credentials.getS3Client();
  }

  /** Runs one S3 call, turning SDK errors into Tessera errors that name the bucket. */
  async #call<Result>(
    operation: string,
    key: string | undefined,
    action: (client: S3Client, sdk: Awaited<ReturnType<typeof loadS3Sdk>>) => Promise<Result>,
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

  /** The S3 key of a path: bucket folder + resolved path. */
  objectKey(path: string): string {
    return this.#resolver.location(path);
  }

  async readPath(path: string, options: ReadPathOptions = {}): Promise<Uint8Array> {
    return readAllBytes(await this.createReadStream(path, options));
  }

  async createReadStream(path: string, options: ReadPathOptions = {}): Promise<Readable> {
    options.signal?.throwIfAborted();
    const relative = this.#resolver.key(path);
    const key = this.objectKey(path);
    const response = await this.#call("GetObject", key, async (client, { GetObjectCommand }) => {
      try {
        return await client.send(
          new GetObjectCommand({ Bucket: this.bucketName, Key: key }),
          options.signal ? { abortSignal: options.signal } : {},
        );
      } catch (error) {
        if (describeSdkError(error).name === "NoSuchKey") {
          throw new FileNotFoundError(relative, this.#location, { cause: error });
        }
        throw error;
      }
    });
    const body = response.Body as Readable | undefined;
    const counter = progressStream(options.onProgress, response.ContentLength);
    const { signal } = options;
    if (signal) addAbortSignal(signal, counter);
    if (!body) {
      counter.end();
      return counter;
    }
    // The pipeline destroys the body when the reader stops (or aborts) early; an abort surfaces as
    // an AbortError, not as the connection reset it causes underneath.
    pipeline(body, counter, (error) => {
      if (error && !counter.destroyed) counter.destroy(signal?.aborted ? signal.reason : error);
    });
    return counter;
  }

  async writePath(
    path: string,
    content: WritableContent,
    options: WritePathOptions = {},
  ): Promise<string> {
    const relative = this.#resolver.key(path);
    const key = this.objectKey(path);
    const { signal } = options;
    signal?.throwIfAborted();
    const knownLength = knownContentLength(content);
    const totalBytes = options.contentLength ?? knownLength;
    let reported = 0;
    const report = (bytes: number) => {
      if (!options.onProgress || bytes < reported) return;
      reported = bytes;
      const progress: TransferProgress =
        totalBytes === undefined ? { bytes } : { bytes, totalBytes };
      options.onProgress(progress);
    };
    if (knownLength !== undefined && knownLength <= this.partSizeBytes) {
      const body = typeof content === "string" ? Buffer.from(content) : (content as Uint8Array);
      await this.#call("PutObject", key, (client, { PutObjectCommand }) =>
        client.send(
          new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: body }),
          signal ? { abortSignal: signal } : {},
        ),
      );
      report(body.byteLength);
      return relative;
    }
    await this.#upload(key, content, signal, report, totalBytes);
    return relative;
  }

  /**
   * Streams content to a key (see `uploadStream`): one PutObject when it fits in a part, else a
   * multipart upload holding at most `partSizeBytes × (uploadConcurrency + 1)` bytes in memory.
   * On failure or abort the multipart upload is aborted before this returns.
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
    const source = abortable(writableContentChunks(content), signal);
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

  async exists(path: string): Promise<boolean> {
    const key = this.objectKey(path);
    return this.#call("HeadObject", key, async (client, { HeadObjectCommand }) => {
      try {
        await client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
        this.#bucketConfirmed = true;
        return true;
      } catch (error) {
        if (describeSdkError(error).status !== 404) throw error;
        // A HEAD reply has no body, so a missing bucket also answers 404: check the bucket once.
        if (!this.#bucketConfirmed) await this.#confirmBucket(client);
        return false;
      }
    });
  }

  async #confirmBucket(client: S3Client): Promise<void> {
    const { HeadBucketCommand } = await loadS3Sdk();
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.bucketName }));
      this.#bucketConfirmed = true;
    } catch (error) {
      const { name, status } = describeSdkError(error);
      if (status === 404 || name === "NotFound") {
        throw new S3BucketNotFoundError(this.bucketName, { cause: error });
      }
      throw error;
    }
  }

  async delete(path: string): Promise<boolean> {
    if (!(await this.exists(path))) return false;
    const key = this.objectKey(path);
    await this.#call("DeleteObject", key, (client, { DeleteObjectCommand }) =>
      client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key })),
    );
    return true;
  }

  list(prefix = ""): AsyncIterable<FileEntry> {
    return this.#list(prefix, undefined);
  }

  async *#list(prefix: string, delimiter: "/" | undefined): AsyncIterable<FileEntry> {
    const resolver = this.#resolver;
    const listPrefix = resolver.listPrefix(prefix);
    let continuationToken: string | undefined;
    do {
      const page = await this.#call(
        "ListObjectsV2",
        listPrefix,
        (client, { ListObjectsV2Command }) =>
          client.send(
            new ListObjectsV2Command({
              Bucket: this.bucketName,
              Prefix: listPrefix,
              MaxKeys: this.listPageSize,
              ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
              ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
            }),
          ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const path = resolver.keyFromLocation(object.Key);
        if (path === undefined) continue;
        yield {
          path,
          size: object.Size ?? 0,
          ...(object.LastModified ? { modifiedAt: object.LastModified } : {}),
        };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  /**
   * Objects under a folder (relative to the bucket folder), collected: every object at any depth,
   * or with `{ delimiter: "/" }` only those directly in it. `folder` is a folder name (`reports`
   * lists `reports/…`, never `reports-old/…`); `""` is the bucket folder itself.
   */
  async listObjects(folder = "", options: ListObjectsOptions = {}): Promise<FileEntry[]> {
    const entries: FileEntry[] = [];
    for await (const entry of this.#list(folderPrefix(folder), options.delimiter)) {
      if (options.maxItems !== undefined && entries.length >= options.maxItems) break;
      entries.push(entry);
    }
    return entries;
  }

  /**
   * Uploads a local file, streamed (multipart when larger than a part). Returns the key relative
   * to the bucket folder. @default path: the file's name
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
   */
  async downloadToPath(
    path: string,
    localPath: string,
    options: ReadPathOptions = {},
  ): Promise<string> {
    const source = await this.createReadStream(path, options);
    const partial = join(
      dirname(localPath),
      `.${basename(localPath)}.${randomBytes(6).toString("hex")}.partial`,
    );
    try {
      await pipelineAsync(source, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, localPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return localPath;
  }

  /**
   * Downloads every object under a folder (relative to the bucket folder; `""` for all of it) into
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
   * are skipped) into a folder of the bucket, keeping their relative paths. Returns the keys
   * written, relative to the bucket folder.
   */
  async uploadFromFolder(
    localDirectory: string,
    folder = "",
    options: FolderTransferOptions = {},
  ): Promise<string[]> {
    const prefix = folderPrefix(folder);
    const entries = await localFile(localDirectory, () =>
      readdir(localDirectory, { recursive: true, withFileTypes: true }),
    );
    const files = entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    const keys: string[] = [];
    await forEachConcurrently(files, options, async (file) => {
      const path = `${prefix}${relative(localDirectory, file).split(sep).join("/")}`;
      keys.push(
        await this.uploadFromPath(file, path, options.signal ? { signal: options.signal } : {}),
      );
    });
    return keys.sort();
  }

  /**
   * Streams a file from any file system (another bucket with other credentials or endpoint, a
   * local folder, another provider) into this bucket, without holding it in memory; use
   * `copyObject` for a server-side copy within one S3 account. Returns the key written.
   * @default toPath: fromPath
   */
  async streamFrom(
    source: WritableFileSystem,
    fromPath: string,
    toPath: string = fromPath,
    options: WritePathOptions = {},
  ): Promise<string> {
    const key = this.#resolver.key(toPath);
    const stream = await source.createReadStream(
      fromPath,
      options.signal ? { signal: options.signal } : {},
    );
    return this.writePath(key, stream, options);
  }

  /**
   * Copies an object within S3 (no bytes pass through this process), to this bucket or
   * `options.toBucket`. Returns the destination key relative to the destination's folder.
   * Objects over 5 GiB need a multipart copy, which this method does not do.
   */
  async copyObject(from: string, to: string, options: CopyObjectOptions = {}): Promise<string> {
    const destination = options.toBucket ?? this;
    const sourceKey = this.objectKey(from);
    const relative = destination.#resolver.key(to);
    const destinationKey = destination.objectKey(to);
    await destination.#call("CopyObject", destinationKey, async (client, { CopyObjectCommand }) => {
      try {
        return await client.send(
          new CopyObjectCommand({
            Bucket: destination.bucketName,
            Key: destinationKey,
            CopySource: `${this.bucketName}/${encodeURIComponent(sourceKey).replace(/%2F/g, "/")}`,
          }),
        );
      } catch (error) {
        if (describeSdkError(error).name === "NoSuchKey") {
          throw new FileNotFoundError(this.#resolver.key(from), this.#location, { cause: error });
        }
        throw error;
      }
    });
    return relative;
  }

  /** Copies an object (see `copyObject`), then deletes the source. Returns the destination key. */
  async moveObject(from: string, to: string, options: CopyObjectOptions = {}): Promise<string> {
    const relative = await this.copyObject(from, to, options);
    const destination = options.toBucket ?? this;
    if (
      destination.bucketName === this.bucketName &&
      destination.objectKey(to) === this.objectKey(from)
    ) {
      return relative;
    }
    const sourceKey = this.objectKey(from);
    await this.#call("DeleteObject", sourceKey, (client, { DeleteObjectCommand }) =>
      client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: sourceKey })),
    );
    return relative;
  }
}

/** The listing prefix of a folder name: `""` stays `""`, anything else gets one trailing `/`. */
function folderPrefix(folder: string): string {
  const resolved = resolveBaseFolder(folder);
  return resolved === "" ? "" : `${resolved}/`;
}

/** Runs `action` over `items`, at most `options.concurrency` (4) at a time; stops on the first failure. */
async function forEachConcurrently<Item>(
  items: Item[],
  options: FolderTransferOptions,
  action: (item: Item) => Promise<void>,
): Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      options.signal?.throwIfAborted();
      const item = items[next++] as Item;
      try {
        await action(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * The chunks of a source, stopping as soon as the signal aborts, even while the source is waiting
 * for its next chunk (a slow producer must not hold an aborted write open).
 */
async function* abortable(
  source: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (!signal) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    void iterator.return?.()?.catch?.(() => {});
  }
}

/** Runs a local file system call, turning a missing file or folder into `FILE_NOT_FOUND`. */
async function localFile<T>(localPath: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new FileNotFoundError(localPath, "the local file system", { cause: error });
    }
    throw error;
  }
}
