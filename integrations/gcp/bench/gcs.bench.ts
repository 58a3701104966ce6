/**
 * GCS benchmark: `ResultStore` put + get of a 100 MB result on a `GcsBucket`, beside the bare
 * client library (`file.save` + `file.download`) moving the same bytes to the same emulator in the
 * same run; and the memory a `GcsBucket` upload of 100 MB holds (measured first, before the timed
 * transfers grow the heap). The emulator runs in a child process, so the measured process holds
 * only the client side.
 */
import { Readable } from "node:stream";
import { Storage } from "@google-cloud/storage";
import { ResultStore } from "@tessera/core";
import { startGcsEmulatorProcess } from "@tessera/test-servers";
import type { BenchSuite } from "../../../bench/harness.js";
import { GcsBucket } from "../src/index.js";

const megabyte = 1 << 20;
const resultMegabytes = 100;
const bucketName = "bench";

/** The same 100 MB for both sides: one 1 MB chunk, a hundred times. */
const chunk = Buffer.alloc(megabyte, 0x5a);
const payload = () => Readable.from(Array.from({ length: resultMegabytes }, () => chunk));
const whole = Buffer.concat(Array.from({ length: resultMegabytes }, () => chunk));

/** Reads a stream to the end; returns its length. */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let length = 0;
  for await (const part of stream) length += (part as Buffer).length;
  return length;
}

export default async function gcsBench(): Promise<BenchSuite> {
  const emulator = await startGcsEmulatorProcess({ buckets: [bucketName] });
  const credentials = { apiEndpoint: emulator.endpoint, project: "bench-project" };
  const bucket = new GcsBucket({ bucket: bucketName, bucketFolder: "tessera", credentials });
  const store = new ResultStore({ storage: bucket, serializer: "binary" });
  const sdk = new Storage({ apiEndpoint: emulator.endpoint, projectId: "bench-project" });
  const bare = sdk.bucket(bucketName).file("bare/result");

  return {
    cases: [
      {
        kind: "value",
        name: `memory held while GcsBucket uploads ${resultMegabytes} MB (default chunk size)`,
        unit: "MB",
        target: 64,
        measure: async () => {
          const fresh = new GcsBucket({ bucket: bucketName, bucketFolder: "memory", credentials });
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
        name: `ResultStore put+get of a ${resultMegabytes} MB result on GcsBucket (GCS emulator)`,
        target: 1.2,
        iterations: 7,
        warmup: 1,
        run: async () => {
          await store.put("result", payload());
          await drain(await store.getStream("result"));
        },
        floor: async () => {
          await bare.save(whole);
          await drain(bare.createReadStream());
        },
      },
    ],
    teardown: async () => {
      await emulator.stop();
    },
  };
}
