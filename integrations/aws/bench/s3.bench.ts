/**
 * S3 benchmark: `ResultStore` put + get of a 100 MB result on an `S3Bucket`, beside the bare AWS
 * SDK (`Upload` from lib-storage + `GetObject`) moving the same bytes to the same s3rver in the
 * same run; and the memory an `S3Bucket` upload of 100 MB holds (measured first, before the timed
 * transfers grow the heap). s3rver runs in a child process,
 * so the measured process holds only the client side.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ResultStore } from "@tessera/core";
import type { BenchSuite } from "../../../bench/harness.js";
import { S3Bucket } from "../src/index.js";

const megabyte = 1 << 20;
const resultMegabytes = 100;
const bucketName = "bench";

/** The same 100 MB for both sides: one 1 MB chunk, a hundred times. */
const chunk = Buffer.alloc(megabyte, 0x5a);
const payload = () => Readable.from(Array.from({ length: resultMegabytes }, () => chunk));

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

/** Reads a stream to the end; returns its length. */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let length = 0;
  for await (const part of stream) length += (part as Buffer).length;
  return length;
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
  const store = new ResultStore({ storage: bucket, serializer: "binary" });
  const sdk = new S3Client({
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  return {
    cases: [
      {
        kind: "value",
        name: `memory held while S3Bucket uploads ${resultMegabytes} MB (default part size and concurrency)`,
        unit: "MB",
        target: 64,
        measure: async () => {
          const fresh = new S3Bucket({ bucketName, bucketFolder: "memory", credentials });
          await fresh.writePath("warm-up.bin", Readable.from([Buffer.alloc(9 * megabyte)]));
          globalThis.gc?.();
          const baseline = process.memoryUsage().rss;
          let peak = baseline;
          const sampler = setInterval(() => {
            peak = Math.max(peak, process.memoryUsage().rss);
          }, 2);
          try {
            await fresh.writePath(
              "large.bin",
              Readable.from(
                (function* () {
                  for (let index = 0; index < resultMegabytes; index++) {
                    yield Buffer.alloc(megabyte, index);
                  }
                })(),
              ),
            );
          } finally {
            clearInterval(sampler);
          }
          return Math.round(((peak - baseline) / megabyte) * 10) / 10;
        },
      },
      {
        kind: "time",
        name: `ResultStore put+get of a ${resultMegabytes} MB result on S3Bucket (s3rver)`,
        target: 1.2,
        iterations: 7,
        warmup: 1,
        run: async () => {
          await store.put("result", payload());
          await drain(await store.getStream("result"));
        },
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
      },
    ],
    teardown: async () => {
      sdk.destroy();
      (await bucket.getClient()).destroy();
      server.process.stdin?.end();
      await once(server.process, "exit");
    },
  };
}
