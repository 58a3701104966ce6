import { Readable } from "node:stream";
import { describeWritableFileSystem } from "@tessera/core/testing";
import { emulatorCredentials, freshFolder, type S3Server } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";
import { useS3Server } from "./s3-server.js";

let server: S3Server;
useS3Server(["conformance"], async (started) => {
  server = started;
  // Load the SDK and run one multipart round trip before any test measures memory, so the suite's
  // memory bound sees the transfer, not module loading.
  const warmUp = new S3Bucket({
    bucketName: "conformance",
    bucketFolder: "warm-up",
    credentials: emulatorCredentials(server.endpoint),
    partSizeBytes: 5 << 20,
  });
  await warmUp.writePath("warm.bin", Readable.from([Buffer.alloc(11 << 20, 1)]));
  await warmUp.readPath("warm.bin");
  await warmUp.delete("warm.bin");
});

describeWritableFileSystem(
  { describe, it, expect, beforeEach, afterEach },
  () => {
    const bucket = new S3Bucket({
      bucketName: "conformance",
      bucketFolder: freshFolder("conformance"),
      credentials: emulatorCredentials(server.endpoint),
      listPageSize: 7,
      // Memory held by an upload is partSizeBytes × (uploadConcurrency + 1): 15 MiB here, inside
      // the suite's bound for its 128 MB stream (s3rver runs in this process too).
      partSizeBytes: 5 << 20,
      uploadConcurrency: 2,
    });
    return {
      fileSystem: bucket,
      cleanup: async () => {
        for await (const entry of bucket.list()) await bucket.delete(entry.path);
      },
    };
  },
  { name: "S3Bucket on s3rver passes the storage conformance suite", listPageSize: 7 },
);
