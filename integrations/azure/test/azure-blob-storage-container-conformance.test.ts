import { Readable } from "node:stream";
import { describeWritableFileSystem } from "@tessera/core/testing";
import { freshFolder } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AzureBlobStorageContainer } from "../src/index.js";
import { type TestAzurite, useAzurite } from "./azurite.js";

let azurite: TestAzurite;
useAzurite(async (started) => {
  azurite = started;
  // Load the SDK and run one staged upload before any test measures memory, so the suite's
  // memory bound sees the transfer, not module loading.
  const warmUp = new AzureBlobStorageContainer({
    containerName: "conformance",
    baseFolder: "warm-up",
    credentials: { connectionString: azurite.connectionString },
  });
  await warmUp.writePath("warm.bin", Readable.from([Buffer.alloc(9 << 20, 1)]));
  await warmUp.readPath("warm.bin");
  await warmUp.delete("warm.bin");
});

describeWritableFileSystem(
  { describe, it, expect, beforeEach, afterEach },
  () => {
    const container = new AzureBlobStorageContainer({
      containerName: "conformance",
      baseFolder: freshFolder("conformance"),
      credentials: { connectionString: azurite.connectionString },
      listPageSize: 7,
      // An upload holds at most blockSizeBytes × uploadConcurrency: 8 MiB here.
      blockSizeBytes: 2 << 20,
    });
    return {
      fileSystem: container,
      cleanup: async () => {
        for await (const entry of container.list()) await container.delete(entry.path);
      },
    };
  },
  {
    name: "AzureBlobStorageContainer on Azurite passes the storage conformance suite",
    listPageSize: 7,
    // 48 MB instead of 128 keeps the file inside the suite's time budget; the benchmark streams
    // 100 MB and reports the memory held.
    largePayloadMegabytes: 48,
  },
);
