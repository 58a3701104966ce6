/// <reference path="./s3rver.d.ts" />
/**
 * The one place tests start their throwaway servers: s3rver (S3) in process and the Secrets
 * Manager emulator, each on a free loopback port, each stopped by the returned `stop()` (call it
 * in `afterAll`).
 *
 * s3rver 3.7.1 needs Node's `--openssl-legacy-provider` (its list continuation tokens use DES);
 * the vitest projects that run these tests pass it through `execArgv`.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export {
  type SecretsManagerEmulator,
  startSecretsManagerEmulator,
} from "../emulators/secrets-manager.js";

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
 * Starts s3rver on a free loopback port. s3rver lacks ListMultipartUploads and
 * AbortMultipartUpload; this helper serves both (S3's XML shapes) from s3rver's own upload
 * folders, so clients that abort failed uploads behave as they would against S3.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "tessera-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? ["tessera-test"]).map((name) => ({ name })),
  });
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
    const [, bucket, ...keyParts] = context.path.split("/").map(decodeURIComponent);
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

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
