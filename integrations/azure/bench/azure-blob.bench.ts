/**
 * Azure Blob benchmark: `ResultStore` put + get of a 100 MB result on an
 * `AzureBlobStorageContainer`, beside the bare SDK (`uploadStream` + `download`) moving the same
 * bytes to the same Azurite in the same run; and the memory an `AzureBlobStorageContainer` upload
 * of 100 MB holds. Azurite runs in a child process, so the measured process holds only the client
 * side.
 */
import type { Readable } from "node:stream";
import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite } from "@tessera/test-servers";
import type { BenchSuite } from "../../../bench/harness.js";
import { drain, payload, storageBenchCases } from "../../../bench/storage-cases.js";
import { AzureBlobStorageContainer } from "../src/index.js";

const megabyte = 1 << 20;
const containerName = "bench";

export default async function azureBlobBench(): Promise<BenchSuite> {
  // Room for the results of every iteration of both sides, which Azurite keeps in memory.
  const azurite = await startAzurite({ containers: [containerName], memoryLimitMegabytes: 4096 });
  const credentials = { connectionString: azurite.connectionString };
  const container = (baseFolder: string) =>
    new AzureBlobStorageContainer({ containerName, baseFolder, credentials });
  const bare = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient(containerName)
    .getBlockBlobClient("bare/result");

  return {
    cases: storageBenchCases({
      block: "AzureBlobStorageContainer",
      server: "Azurite",
      uploadSettings: "default block size and concurrency",
      storage: container("tessera"),
      memoryStorage: container("memory"),
      floor: async () => {
        // The SDK's defaults for the same job: 8 MiB buffers, 5 at a time.
        await bare.uploadStream(payload(), 8 * megabyte, 5);
        const response = await bare.download();
        await drain(response.readableStreamBody as Readable);
      },
    }),
    teardown: async () => {
      await azurite.stop();
    },
  };
}
