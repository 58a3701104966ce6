import { Readable } from "node:stream";
import { ResultStore, ValidationFailedError } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import { errorOf, freshFolder, type GcsEmulator, startGcsEmulator } from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GcsBucket } from "../src/index.js";

let emulator: GcsEmulator;
let harness: TestHarness;
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["behaviour", "archive"] });
});
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

function bucket(fields: Partial<ConstructorParameters<typeof GcsBucket>[0]> = {}) {
  return new GcsBucket({
    bucket: "behaviour",
    bucketFolder: freshFolder("behaviour"),
    credentials: { apiEndpoint: emulator.endpoint },
    ...fields,
  });
}

async function* chunks(count: number, size: number, fill: number) {
  for (let index = 0; index < count; index++) yield Buffer.alloc(size, fill);
}

describe("GcsBucket", () => {
  it("refuses a bucket written as gs://name and says to write the name alone", () => {
    try {
      new GcsBucket({ bucket: "gs://acme-results/daily" });
      throw new Error("expected a validation error");
    } catch (error) {
      expect(ValidationFailedError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(
        'write the bucket\'s name without gs://: "acme-results"',
      );
    }
    expect(() => new GcsBucket({ bucket: "Not_A_Bucket!" })).toThrow(/GCS bucket name/);
  });

  it("joins the bucket folder exactly once, so a key written is found again by the same path", async () => {
    const results = bucket({ bucketFolder: "alpha" });
    const written = await results.writePath("alpha/report.json", "{}");
    expect(written).toBe("alpha/report.json");
    expect(results.objectKey(written)).toBe("alpha/alpha/report.json");
    expect(new TextDecoder().decode(await results.readPath(written))).toBe("{}");
    expect(await results.exists("./alpha//report.json")).toBe(true);
  });

  it("sends every write with a generation precondition: 0 for a new object, the live generation for an overwrite", async () => {
    const results = bucket();
    const before = emulator.requests.length;
    await results.writePath("small.txt", "one");
    await results.writePath("small.txt", "two");
    await results.writePath("large.bin", Readable.from(chunks(3, 200_000, 7)));
    const uploads = emulator.requests
      .slice(before)
      .filter((request) => request.method === "POST" && request.path.startsWith("/upload/"));
    expect(uploads.map((request) => request.query.get("uploadType"))).toEqual([
      "multipart",
      "multipart",
      "resumable",
    ]);
    const generations = emulator.generations("behaviour", results.objectKey("small.txt"));
    expect(uploads.map((request) => request.query.get("ifGenerationMatch"))).toEqual([
      "0",
      generations[0],
      "0",
    ]);
  });

  it("streams content of unknown size through a resumable session in chunks, holding one chunk", async () => {
    const results = bucket({ chunkSizeBytes: 256 * 1024 });
    const before = emulator.requests.length;
    await results.writePath("streamed.bin", Readable.from(chunks(10, 100_000, 3)));
    const puts = emulator.requests.slice(before).filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.status)).toEqual([308, 308, 308, 200]);
    const read = await results.readPath("streamed.bin");
    expect(read.byteLength).toBe(1_000_000);
    expect(read.every((byte) => byte === 3)).toBe(true);
  });

  it("keeps the previous object when Cloud Storage refuses an overwrite whose CRC32C does not match", async () => {
    const results = bucket();
    await results.writePath("kept.txt", "previous");
    await results.writePath("kept-large.bin", "previous");
    emulator.corruptUploads(1);
    const small = await errorOf(() => results.writePath("kept.txt", "replacement"));
    expect(small.code).toBe("GCS_CHECKSUM_MISMATCH");
    expect(small.message).toContain(`gs://behaviour/${results.objectKey("kept.txt")}`);
    emulator.corruptUploads(1);
    const large = await errorOf(() =>
      results.writePath("kept-large.bin", Readable.from(chunks(2, 300_000, 9))),
    );
    expect(large.code).toBe("GCS_CHECKSUM_MISMATCH");
    expect(new TextDecoder().decode(await results.readPath("kept.txt"))).toBe("previous");
    expect(new TextDecoder().decode(await results.readPath("kept-large.bin"))).toBe("previous");
    expect(emulator.openSessions()).toBe(0);
  });

  it("names a missing bucket with GCS_BUCKET_NOT_FOUND on reads, writes and listings", async () => {
    const missing = bucket({ bucket: "no-such-bucket" });
    for (const action of [
      () => missing.writePath("x.txt", "x"),
      () => missing.readPath("x.txt"),
      () => missing.exists("x.txt"),
      () => missing.listObjects(),
    ]) {
      const error = await errorOf(action);
      expect(error).toMatchObject({ code: "GCS_BUCKET_NOT_FOUND", bucket: "no-such-bucket" });
      expect(error.message).toContain('GCS bucket "no-such-bucket" does not exist');
    }
  });

  it("copies and moves objects on the server side, also into another bucket", async () => {
    const results = bucket();
    await results.writePath("source.txt", "payload");
    await results.copyObject("source.txt", "copy.txt");
    const archive = bucket({ bucket: "archive" });
    await results.moveObject("source.txt", "moved.txt", { toBucket: archive });
    expect(await results.exists("source.txt")).toBe(false);
    expect(new TextDecoder().decode(await results.readPath("copy.txt"))).toBe("payload");
    expect(new TextDecoder().decode(await archive.readPath("moved.txt"))).toBe("payload");
    const error = await errorOf(() => results.copyObject("absent.txt", "x.txt"));
    expect(error.code).toBe("FILE_NOT_FOUND");
  });

  it("copies an object byte for byte over an existing target, and names a missing source with FILE_NOT_FOUND", async () => {
    const results = bucket();
    const content = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 31) % 256));
    await results.writePath("copy/source.bin", content);
    await results.writePath("copy/target.bin", "older target");
    expect(await results.copyObject("copy/source.bin", "copy/target.bin")).toBe("copy/target.bin");
    expect(Buffer.from(await results.readPath("copy/target.bin")).equals(content)).toBe(true);
    expect(Buffer.from(await results.readPath("copy/source.bin")).equals(content)).toBe(true);
    const target = emulator.generations("behaviour", results.objectKey("copy/target.bin"));
    expect(target).toHaveLength(2);
    const error = await errorOf(() => results.copyObject("copy/absent.bin", "copy/target.bin"));
    expect(error.code).toBe("FILE_NOT_FOUND");
    expect(error.message).toContain("copy/absent.bin");
    expect(Buffer.from(await results.readPath("copy/target.bin")).equals(content)).toBe(true);
  });

  it("serves as ResultStore storage through its slug", async () => {
    await bucket({ bucketFolder: "results" }).save("results");
    const store = new ResultStore({ storage: "gcs-bucket/results" });
    await store.put("report", { rows: 42 });
    expect(await store.get("report")).toEqual({ rows: 42 });
    const listed = await bucket({ bucketFolder: "results" }).listObjects();
    expect(listed.map((entry) => entry.path)).toContain("report.meta.json");
  });
});
