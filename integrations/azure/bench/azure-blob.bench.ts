/**
 * Azure Blob benchmark: `ResultStore` put + get of a 100 MB result on an
 * `AzureBlobStorageContainer`, beside the bare SDK (`uploadStream` + `download`) moving the same
 * bytes to the same Azurite in the same run; and the memory an `AzureBlobStorageContainer` upload
 * of 100 MB holds (measured first, before the timed transfers grow the heap). Azurite runs in a
 * child process, so the measured process holds only the client side.
 */
import { Readable } from "node:stream";
import { BlobServiceClient } from "@azure/storage-blob";
import { ResultStore } from "@tessera/core";
import { startAzurite } from "@tessera/test-servers";
import type { BenchSuite } from "../../../bench/harness.js";
import { AzureBlobStorageContainer } from "../src/index.js";

const megabyte = 1 << 20;
const resultMegabytes = 100;
const containerName = "bench";

/** The same 100 MB for both sides: one 1 MB chunk, a hundred times. */
const chunk = Buffer.alloc(megabyte, 0x5a);
const payload = () => Readable.from(Array.from({ length: resultMegabytes }, () => chunk));

/** Reads a stream to the end; returns its length. */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let length = 0;
  for await (const part of stream) length += (part as Buffer).length;
  return length;
}

export default async function azureBlobBench(): Promise<BenchSuite> {
  // Room for the results of every iteration of both sides, which Azurite keeps in memory.
  const azurite = await startAzurite({ containers: [containerName], memoryLimitMegabytes: 4096 });
  const credentials = { connectionString: azurite.connectionString };
  const container = new AzureBlobStorageContainer({
    containerName,
    baseFolder: "tessera",
    credentials,
  });
  const store = new ResultStore({ storage: container, serializer: "binary" });
  const bare = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient(containerName)
    .getBlockBlobClient("bare/result");

  return {
    cases: [
      {
        kind: "value",
        name: `memory held while AzureBlobStorageContainer uploads ${resultMegabytes} MB (default block size and concurrency)`,
        unit: "MB",
        target: 64,
        measure: async () => {
          const fresh = new AzureBlobStorageContainer({
            containerName,
            baseFolder: "memory",
            credentials,
          });
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
        name: `ResultStore put+get of a ${resultMegabytes} MB result on AzureBlobStorageContainer (Azurite)`,
        target: 1.2,
        iterations: 7,
        warmup: 1,
        run: async () => {
          await store.put("result", payload());
          await drain(await store.getStream("result"));
        },
        floor: async () => {
          // The SDK's defaults for the same job: 8 MiB buffers, 5 at a time.
          await bare.uploadStream(payload(), 8 * megabyte, 5);
          const response = await bare.download();
          await drain(response.readableStreamBody as Readable);
        },
      },
    ],
    teardown: async () => {
      await azurite.stop();
    },
  };
}
