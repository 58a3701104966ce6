import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ResultStore } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  emulatorCredentials,
  freshFolder,
  type S3Server,
  startS3Server,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";

const bucketName = "results";
let server: S3Server;
let harness: TestHarness;

beforeAll(async () => {
  server = await startS3Server({ buckets: [bucketName] });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

function resultsBucket(bucketFolder = freshFolder("results")) {
  return new S3Bucket({
    bucketName,
    bucketFolder,
    credentials: emulatorCredentials(server.endpoint),
    partSizeBytes: 5 << 20,
  });
}

async function keysInBucket(bucket: S3Bucket): Promise<string[]> {
  const client = await bucket.getClient();
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucketName }));
  return (page.Contents ?? []).map((object) => object.Key ?? "");
}

describe("ResultStore on an S3Bucket", () => {
  it("puts and gets a result, storing it once under the bucket folder", async () => {
    const bucket = resultsBucket("team/prod");
    const store = new ResultStore({ storage: bucket });
    const value = { rows: [1, 2, 3], label: "résumé ✓" };
    await store.put("daily/report", value);
    expect(await store.get("daily/report")).toEqual(value);
    expect(await store.has("daily/report")).toBe(true);
    const keys = (await keysInBucket(bucket)).filter((key) => key.startsWith("team/"));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key.startsWith("team/prod/")).toBe(true);
      expect(key.includes("team/prod/team/prod")).toBe(false);
    }
    expect(await store.delete("daily/report")).toBe(true);
    expect(await store.has("daily/report")).toBe(false);
  });

  it("loads the storage from the slug s3-bucket/<name> of a saved bucket", async () => {
    const folder = freshFolder("by-slug");
    await resultsBucket(folder).save("team-results");
    const store = new ResultStore({ storage: "s3-bucket/team-results" });
    await store.put("answer", 42);
    expect(await new ResultStore({ storage: "s3-bucket/team-results" }).get("answer")).toBe(42);
    const keys = await keysInBucket(resultsBucket(folder));
    expect(keys.filter((key) => key.startsWith(`${folder}/`)).length).toBeGreaterThanOrEqual(2);
  });

  it("streams a large binary result in and out with a matching checksum", async () => {
    const store = new ResultStore({ storage: resultsBucket(), serializer: "binary" });
    const expected = createHash("sha256");
    const chunks = Array.from({ length: 24 }, (_, index) => {
      const chunk = Buffer.alloc(1 << 20, index);
      expected.update(chunk);
      return chunk;
    });
    const metadata = await store.put("large", Readable.from(chunks));
    expect(metadata.contentLength).toBe(24 << 20);
    const actual = createHash("sha256");
    for await (const chunk of await store.getStream("large")) actual.update(chunk as Buffer);
    expect(actual.digest("hex")).toBe(expected.digest("hex"));
  });
});
