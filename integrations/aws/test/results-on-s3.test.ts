import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { persisted, ResultStore } from "@tessera/core";
import { useTestHarness } from "@tessera/core/testing";
import { emulatorCredentials, freshFolder, type S3Server } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";
import { useS3Server } from "./s3-server.js";

let server: S3Server;
useS3Server(["results"], (started) => {
  server = started;
});

// A temporary TESSERA_HOME, store and key for each test.
useTestHarness({ beforeEach, afterEach });

function bucket(folder = freshFolder("results")) {
  return new S3Bucket({
    bucketName: "results",
    bucketFolder: folder,
    credentials: emulatorCredentials(server.endpoint),
  });
}

describe("results on an S3 bucket", () => {
  it("stores and reads results through a saved s3-bucket block named by its slug", async () => {
    const folder = freshFolder("slug");
    await bucket(folder).save("results");
    const store = new ResultStore({ storage: "s3-bucket/results", serializer: "rich" });
    const value = { at: new Date("2024-06-01T00:00:00.000Z"), counts: new Map([["rows", 12n]]) };
    await store.put("daily/2024-06-01", value, { expiresIn: 60_000 });
    expect(await store.get("daily/2024-06-01")).toEqual(value);
    expect(await store.has("daily/2024-06-01")).toBe(true);
    // The bucket folder is joined once: the record sits at <folder>/<key>.meta.json.
    const listed: string[] = [];
    for await (const entry of bucket(folder).list()) listed.push(entry.path);
    expect(listed).toContain("daily/2024-06-01.meta.json");
    expect(listed.some((path) => path.startsWith(folder))).toBe(false);
  });

  it("streams a large binary result in and out with a verified checksum", async () => {
    const store = new ResultStore({ storage: bucket(), serializer: "binary", compression: "gzip" });
    const chunks = Array.from({ length: 24 }, (_, index) => Buffer.alloc(1 << 20, index));
    const expected = createHash("sha256");
    for (const chunk of chunks) expected.update(chunk);
    await store.put("large", Readable.from(chunks));
    const actual = createHash("sha256");
    for await (const chunk of await store.getStream("large")) actual.update(chunk as Buffer);
    expect(actual.digest("hex")).toBe(expected.digest("hex"));
  });

  it("runs a persisted function once and reads its result back from the bucket", async () => {
    const store = new ResultStore({ storage: bucket() });
    let runs = 0;
    const total = persisted(
      (items: number[]) => {
        runs++;
        return items.reduce((sum, item) => sum + item, 0);
      },
      { store, version: "1" },
    );
    expect(await total([1, 2, 3])).toBe(6);
    expect(await total([1, 2, 3])).toBe(6);
    expect(runs).toBe(1);
  });
});
