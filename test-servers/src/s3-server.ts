/// <reference path="./s3rver.d.ts" />
/**
 * s3rver (S3) in process on a free loopback port, stopped by the returned `stop()` (call it in
 * `afterAll`).
 *
 * s3rver 3.7.1 needs Node's `--openssl-legacy-provider` (its list continuation tokens use DES);
 * the vitest projects that run these tests pass it through `execArgv`.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import S3rver, { type S3rverObject } from "s3rver";

const repaired = Symbol.for("tessera.test.s3rver-copy-source-repaired");

/** Credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** A running s3rver. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Where s3rver keeps its files. */
  directory: string;
  /** Multipart uploads started and neither completed nor aborted, in a bucket. */
  openUploads(bucket: string): Promise<{ key: string; uploadId: string }[]>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** Options of `startS3Server`. */
export interface S3ServerOptions {
  /** Buckets created at start. @default ["tessera-test"] */
  buckets?: string[];
}

/**
 * Starts s3rver on a free loopback port, with three repairs so it behaves as S3 does:
 * - s3rver lacks ListMultipartUploads and AbortMultipartUpload; this helper serves both (S3's XML
 *   shapes) from s3rver's own upload folders, so clients that abort failed uploads work;
 * - s3rver writes objects in place, so a reader could see half a PUT; here a PUT (or a completed
 *   multipart upload) is written beside the object and renamed over it, atomic as on S3;
 * - a GET opens the object before sizing it, so a concurrent overwrite cannot mismatch the
 *   Content-Length and the body;
 * - a copy's `x-amz-copy-source` is URL-decoded whole, as S3 does; s3rver's `decodeURI` leaves
 *   `%2B`, `%3F`, `%23` and the like encoded, so keys holding `+`, `?` or `#` could not be copied;
 * - listings are in S3's order (UTF-8 byte order of the whole key: `a-b` before `a/b`) and pages
 *   continue exactly after the last key; s3rver walks folders, so it lists `a/…` before `a-…`
 *   and its pages skip keys.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "tessera-s3rver-"));
  const dataDirectory = join(directory, "data");
  const partialDirectory = join(directory, "partial");
  await mkdir(dataDirectory);
  await mkdir(partialDirectory);
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: dataDirectory,
    configureBuckets: (options.buckets ?? ["tessera-test"]).map((name) => ({ name })),
  });
  makeWritesAtomic(server, partialDirectory);
  listInS3Order(server);
  const uploadsFolder = (bucket: string) =>
    server.store.getResourcePath(bucket, undefined, "uploads");

  async function openUploads(bucket: string) {
    const folder = uploadsFolder(bucket);
    const entries = await readdir(folder).catch(() => [] as string[]);
    const uploads: { key: string; uploadId: string; initiated: Date }[] = [];
    for (const uploadId of entries) {
      const key = await readFile(join(folder, uploadId, "key"), "utf8").catch(() => undefined);
      if (key === undefined) continue;
      const { birthtime } = await stat(join(folder, uploadId));
      uploads.push({ key, uploadId, initiated: birthtime });
    }
    return uploads.sort((a, b) => a.key.localeCompare(b.key));
  }

  server.middleware.unshift(async (context, next) => {
    const [, bucket, ...keyParts] = context.path
      .replace(/\/$/, "")
      .split("/")
      .map(decodeURIComponent);
    if (!bucket) return next();
    if (context.method === "GET" && keyParts.length === 0 && "uploads" in context.query) {
      const uploads = await openUploads(bucket);
      context.type = "application/xml";
      context.body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>`,
        "<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>",
        ...uploads.map(
          (upload) =>
            `<Upload><Key>${escapeXml(upload.key)}</Key><UploadId>${escapeXml(upload.uploadId)}</UploadId>` +
            `<Initiated>${upload.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
        ),
        "</ListMultipartUploadsResult>",
      ].join("");
      return;
    }
    const uploadId = context.query.uploadId;
    if (context.method === "DELETE" && keyParts.length > 0 && typeof uploadId === "string") {
      const folder = join(uploadsFolder(bucket), uploadId);
      const exists = await stat(folder).then(
        () => true,
        () => false,
      );
      if (!exists || uploadId.includes("/") || uploadId.includes("..")) {
        context.status = 404;
        context.type = "application/xml";
        context.body =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code>' +
          "<Message>The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.</Message>" +
          `<UploadId>${escapeXml(uploadId)}</UploadId></Error>`;
        return;
      }
      await rm(folder, { recursive: true, force: true });
      context.status = 204;
      return;
    }
    return next();
  });

  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    openUploads: async (bucket) =>
      (await openUploads(bucket)).map(({ key, uploadId }) => ({ key, uploadId })),
    async stop() {
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver's object controller. Its copy handler reads `x-amz-copy-source` with `decodeURI`; this
 * wrapper hands it a header whose only escapes are ones `decodeURI` undoes, so the key it finds is
 * the one S3 would find (full URL decoding). Runs after s3rver checked the request's signature.
 */
const objectController = createRequire(import.meta.url)("s3rver/lib/controllers/object.js") as {
  putObjectCopy: (context: { headers: Record<string, string | string[] | undefined> }) => unknown;
  [repaired]?: true;
};
if (!objectController[repaired]) {
  const putObjectCopy = objectController.putObjectCopy;
  objectController.putObjectCopy = (context) => {
    const source = context.headers["x-amz-copy-source"];
    if (typeof source === "string") {
      try {
        context.headers["x-amz-copy-source"] = encodeURI(decodeURIComponent(source));
      } catch {
        // A malformed escape: leave it for s3rver to refuse.
      }
    }
    return putObjectCopy(context);
  };
  objectController[repaired] = true;
}

/** s3rver's object model, loaded from the package (it is CommonJS). */
const S3Object = createRequire(import.meta.url)("s3rver/lib/models/object.js") as new (
  bucket: string,
  key: string,
  content: NodeJS.ReadableStream | null,
  metadata: Record<string, string | number>,
) => S3rverObject;

function makeWritesAtomic(server: S3rver, partialDirectory: string): void {
  const store = server.store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    const partial = join(partialDirectory, randomUUID());
    const md5 = createHash("md5");
    let size = 0;
    const source =
      object.content === null
        ? []
        : Buffer.isBuffer(object.content)
          ? [object.content]
          : object.content;
    try {
      await pipeline(
        source as AsyncIterable<Buffer>,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(partial),
      );
      await rename(partial, objectPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const digest = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
  store.getObject = async (bucket, key, options) => {
    const objectPath = store.getResourcePath(bucket, key, "object");
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(objectPath, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const metadata = { ...(await store.getMetadata(bucket, key)), "content-length": size };
      const lastByte = Math.max(0, size - 1);
      const range = {
        start: options?.start ?? 0,
        end: Math.min(options?.end ?? Number.POSITIVE_INFINITY, lastByte),
      };
      const ranged = options !== undefined && (options.start !== undefined || options.end);
      if (range.start < 0 || range.end < range.start) {
        await handle.close();
        const object = new S3Object(bucket, key, null, metadata);
        if (ranged) object.range = range;
        return object;
      }
      const content = createReadStream(objectPath, { fd: handle, ...range });
      const object = new S3Object(bucket, key, content, metadata);
      if (ranged) object.range = range;
      return object;
    } catch (error) {
      await handle.close();
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  };
}

function listInS3Order(server: S3rver): void {
  const store = server.store;
  const objectSuffix = "._S3rver_object";
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  store.listObjects = async (bucket, options) => {
    const {
      delimiter = "",
      startAfter = "",
      prefix = "",
      maxKeys = Number.POSITIVE_INFINITY,
    } = options;
    const bucketPath = store.getBucketPath(bucket);
    const files = (await readdir(bucketPath, { recursive: true })) as string[];
    const keys = files
      .filter((file) => file.endsWith(objectSuffix) && !file.includes("._S3rver_uploads"))
      .map((file) => file.slice(0, -objectSuffix.length).split(sep).join("/"))
      .filter((key) => key.startsWith(prefix) && byteOrder(key, startAfter) > 0)
      .sort(byteOrder);
    const selected: string[] = [];
    const commonPrefixes: string[] = [];
    let isTruncated = false;
    for (const key of keys) {
      const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
      const commonPrefix = cut === -1 ? undefined : key.slice(0, cut + delimiter.length);
      if (commonPrefix !== undefined && commonPrefixes.includes(commonPrefix)) continue;
      if (selected.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (commonPrefix !== undefined) commonPrefixes.push(commonPrefix);
      else selected.push(key);
    }
    const objects: S3rverObject[] = [];
    for (const key of selected) {
      const metadata = await store
        .getMetadata(bucket, key)
        .catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") return undefined;
          throw error;
        });
      if (metadata) objects.push(new S3Object(bucket, key, null, metadata));
    }
    return { objects, commonPrefixes, isTruncated };
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
