import { Readable } from "node:stream";
import {
  errorOf,
  type FaultProxy,
  freshFolder,
  type GcsEmulator,
  googleErrorResponse,
  startFaultProxy,
  startGcsEmulator,
} from "@tessera/test-servers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GcsBucket } from "../src/index.js";

let emulator: GcsEmulator;
let proxy: FaultProxy;
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["faults"] });
  proxy = await startFaultProxy(emulator.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await emulator?.stop();
});
beforeEach(() => {
  proxy.reset();
});

/** A bucket reached through the fault proxy, with quick retries. */
function bucket(maxRetries = 3, name = "faults") {
  return new GcsBucket({
    bucket: name,
    bucketFolder: freshFolder("faults"),
    chunkSizeBytes: 256 * 1024,
    credentials: {
      apiEndpoint: proxy.endpoint,
      clientOptions: { maxRetries, retryDelayMultiplier: 1, maxRetryDelaySeconds: 1 },
    },
  });
}

async function* chunks(count: number, size: number, fill: number) {
  for (let index = 0; index < count; index++) yield Buffer.alloc(size, fill);
}

const unavailable = googleErrorResponse(503, "backendError", "Service Unavailable");

describe("GcsBucket under faults", () => {
  it("writes through 503 twice, then success, leaving exactly one generation, for single requests and sessions", async () => {
    const results = bucket();
    proxy.addRule({
      match: (request) => request.method === "POST" && request.path.startsWith("/upload/"),
      times: 2,
      action: unavailable,
    });
    await results.writePath("small.txt", "content");
    proxy.addRule({
      match: (request) => request.method === "PUT" && request.query.has("upload_id"),
      times: 2,
      action: unavailable,
    });
    await results.writePath("large.bin", Readable.from(chunks(4, 200_000, 5)));
    expect(proxy.requests.filter((request) => request.outcome === "responded")).toHaveLength(4);
    expect(new TextDecoder().decode(await results.readPath("small.txt"))).toBe("content");
    const large = await results.readPath("large.bin");
    expect(large.byteLength).toBe(800_000);
    expect(large.every((byte) => byte === 5)).toBe(true);
    expect(emulator.generations("faults", results.objectKey("small.txt"))).toHaveLength(1);
    expect(emulator.generations("faults", results.objectKey("large.bin"))).toHaveLength(1);
  });

  it("reads through 503 twice, then success", async () => {
    const results = bucket();
    await results.writePath("read.txt", "readable");
    proxy.addRule({
      match: (request) => request.method === "GET" && request.query.get("alt") === "media",
      times: 2,
      action: unavailable,
    });
    expect(new TextDecoder().decode(await results.readPath("read.txt"))).toBe("readable");
    expect(proxy.requests.filter((request) => request.outcome === "responded")).toHaveLength(2);
  });

  it("reads through a connection lost before the answer, then success", async () => {
    const results = bucket();
    await results.writePath("lost.txt", "survives");
    proxy.addRule({
      match: (request) => request.method === "GET" && request.query.get("alt") === "media",
      times: 1,
      action: { kind: "cut" },
    });
    expect(new TextDecoder().decode(await results.readPath("lost.txt"))).toBe("survives");
    expect(proxy.requests.some((request) => request.outcome === "cut")).toBe(true);
  });

  it("gives up a read after its retries with GCP_REQUEST_FAILED, trying maxRetries + 1 times", async () => {
    const results = bucket(2);
    await results.writePath("down.txt", "unreachable");
    proxy.requests.length = 0;
    proxy.addRule({
      match: (request) => request.method === "GET" && request.query.get("alt") === "media",
      action: unavailable,
    });
    const error = await errorOf(() => results.readPath("down.txt"));
    expect(error).toMatchObject({ code: "GCP_REQUEST_FAILED" });
    expect(error.message).toContain("gs://faults/");
    expect(error.message).toContain("HTTP 503");
    const media = proxy.requests.filter((request) => request.query.get("alt") === "media");
    expect(media).toHaveLength(3);
  });

  it("does not retry a read the server refuses (403 on the media request)", async () => {
    const results = bucket();
    await results.writePath("denied.txt", "private");
    proxy.requests.length = 0;
    proxy.addRule({
      match: (request) => request.method === "GET" && request.query.get("alt") === "media",
      action: googleErrorResponse(403, "forbidden", "Access denied."),
    });
    const error = await errorOf(() => results.readPath("denied.txt"));
    expect(error).toMatchObject({ code: "GCS_ACCESS_DENIED", bucket: "faults" });
    expect(proxy.requests.filter((request) => request.query.get("alt") === "media")).toHaveLength(
      1,
    );
  });

  it("resumes a session whose connection is cut mid-chunk, committing the whole object once", async () => {
    const results = bucket();
    proxy.addRule({
      match: (request) => request.method === "PUT" && request.query.has("upload_id"),
      times: 1,
      action: { kind: "cut", afterBytes: 100_000 },
    });
    await results.writePath("cut.bin", Readable.from(chunks(3, 300_000, 8)));
    expect(proxy.requests.some((request) => request.outcome === "cut")).toBe(true);
    const read = await results.readPath("cut.bin");
    expect(read.byteLength).toBe(900_000);
    expect(read.every((byte) => byte === 8)).toBe(true);
    expect(emulator.generations("faults", results.objectKey("cut.bin"))).toHaveLength(1);
  });

  it("leaves the previous complete object, never a partial one, when an upload is cut for good", async () => {
    const results = bucket(0);
    await results.writePath("kept.bin", Readable.from(chunks(2, 300_000, 1)));
    proxy.addRule({
      match: (request) => request.method === "PUT" && request.query.has("upload_id"),
      action: { kind: "cut", afterBytes: 100_000 },
    });
    await errorOf(() => results.writePath("kept.bin", Readable.from(chunks(3, 300_000, 2))));
    proxy.reset();
    const read = await results.readPath("kept.bin");
    expect(read.byteLength).toBe(600_000);
    expect(read.every((byte) => byte === 1)).toBe(true);
    expect(emulator.generations("faults", results.objectKey("kept.bin"))).toHaveLength(1);
    expect(emulator.openSessions()).toBe(0);
  });

  it("turns 403 into GCS_ACCESS_DENIED naming the bucket, without retrying", async () => {
    const results = bucket();
    proxy.addRule({
      match: () => true,
      action: googleErrorResponse(
        403,
        "forbidden",
        "tessera@example-project.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.",
      ),
    });
    for (const action of [() => results.writePath("x.txt", "x"), () => results.readPath("x.txt")]) {
      proxy.requests.length = 0;
      const error = await errorOf(action);
      expect(error).toMatchObject({ code: "GCS_ACCESS_DENIED", bucket: "faults" });
      expect(error.message).toContain('GCS bucket "faults"');
      expect(proxy.requests).toHaveLength(1);
    }
  });

  it("turns a missing bucket into GCS_BUCKET_NOT_FOUND naming it, without retrying", async () => {
    const missing = bucket(3, "absent-bucket");
    const error = await errorOf(() => missing.writePath("x.txt", "x"));
    expect(error).toMatchObject({ code: "GCS_BUCKET_NOT_FOUND", bucket: "absent-bucket" });
    expect(proxy.requests).toHaveLength(1);
  });
});
