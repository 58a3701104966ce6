/**
 * S3 benchmark: `ResultStore` put + get of a 100 MB result on an `S3Bucket`, beside the bare AWS
 * SDK (`Upload` from lib-storage + `GetObject`) moving the same bytes to the same s3rver in the
 * same run; and the memory an `S3Bucket` upload of 100 MB holds (measured first, before the timed
 * transfers grow the heap). s3rver runs in a child process,
 * so the measured process holds only the client side.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { BenchSuite } from "../../../bench/harness.js";
import { drain, payload, storageBenchCases } from "../../../bench/storage-cases.js";
import { S3Bucket } from "../src/index.js";

const bucketName = "bench";

async function startServer(): Promise<{ endpoint: string; process: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      "--openssl-legacy-provider",
      fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url)),
      bucketName,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const [data] = (await once(child.stdout!, "data")) as [Buffer];
  return { endpoint: `http://127.0.0.1:${data.toString().trim()}`, process: child };
}

export default async function s3Bench(): Promise<BenchSuite> {
  const server = await startServer();
  const credentials = {
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    clientOptions: {
      requestChecksumCalculation: "WHEN_REQUIRED" as const,
      responseChecksumValidation: "WHEN_REQUIRED" as const,
    },
  };
  const bucket = new S3Bucket({ bucketName, bucketFolder: "tessera", credentials });
  const sdk = new S3Client({
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  return {
    cases: storageBenchCases({
      block: "S3Bucket",
      server: "s3rver",
      uploadSettings: "default part size and concurrency",
      storage: bucket,
      memoryStorage: new S3Bucket({ bucketName, bucketFolder: "memory", credentials }),
      floor: async () => {
        await new Upload({
          client: sdk,
          params: { Bucket: bucketName, Key: "bare/result", Body: payload() },
        }).done();
        const object = await sdk.send(
          new GetObjectCommand({ Bucket: bucketName, Key: "bare/result" }),
        );
        await drain(object.Body as Readable);
      },
    }),
    teardown: async () => {
      sdk.destroy();
      (await bucket.getClient()).destroy();
      server.process.stdin?.end();
      await once(server.process, "exit");
    },
  };
}
