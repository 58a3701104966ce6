import { describeWritableFileSystem } from "@tessera/core/testing";
import {
  freshFolder,
  type GcsEmulatorProcess,
  startGcsEmulatorProcess,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GcsBucket } from "../src/index.js";

// The emulator keeps objects in memory: it runs in its own process, so the suite's memory bound
// measures GcsBucket alone.
let emulator: GcsEmulatorProcess;
beforeAll(async () => {
  emulator = await startGcsEmulatorProcess({ buckets: ["conformance"] });
  // Load the client library and run one resumable round trip before any test measures memory.
  const warmUp = new GcsBucket({
    bucket: "conformance",
    bucketFolder: "warm-up",
    credentials: { apiEndpoint: emulator.endpoint },
  });
  await warmUp.writePath(
    "warm.bin",
    (async function* () {
      yield Buffer.alloc(9 << 20, 1);
    })(),
  );
  await warmUp.readPath("warm.bin");
  await warmUp.delete("warm.bin");
});
afterAll(async () => {
  await emulator?.stop();
});

describeWritableFileSystem(
  { describe, it, expect, beforeEach, afterEach },
  () => {
    const bucket = new GcsBucket({
      bucket: "conformance",
      bucketFolder: freshFolder("conformance"),
      credentials: { apiEndpoint: emulator.endpoint },
      listPageSize: 7,
      // One 1 MiB chunk held per upload, so the suite's memory bound sees streaming, not buffers.
      chunkSizeBytes: 1 << 20,
    });
    return {
      fileSystem: bucket,
      cleanup: async () => {
        for await (const entry of bucket.list()) await bucket.delete(entry.path);
      },
    };
  },
  {
    name: "GcsBucket on the GCS emulator passes the storage conformance suite",
    listPageSize: 7,
    // Small enough for CI's time budget, large enough for several 8 MiB chunks; the benchmark
    // measures 100 MB.
    largePayloadMegabytes: 48,
    // Below the payload, so buffering it whole fails; above the client library's fixed buffers.
    largePayloadMemoryMegabytes: 32,
  },
);
