import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  defineBlock,
  type FileEntry,
  LocalFileSystem,
  ResultStore,
  type Serializer,
  type TransferProgress,
  type WritableFileSystem,
  z,
} from "../src/index.js";
import { useTestHarness } from "../src/testing/index.js";

const harness = useTestHarness({ beforeEach, afterEach });

async function errorOf(
  action: () => Promise<unknown>,
): Promise<{ code?: string; message: string } & Record<string, unknown>> {
  try {
    await action();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the action to fail");
}

async function collect(entries: AsyncIterable<FileEntry>): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of entries) paths.push(entry.path);
  return paths;
}

async function readStream(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("ResultStore", () => {
  let basePath: string;
  let storage: LocalFileSystem;
  let store: ResultStore;
  beforeEach(() => {
    basePath = join(harness.home, "storage");
    storage = new LocalFileSystem({ basePath });
    store = new ResultStore({ storage });
  });

  it("stores a JSON value and reads it back", async () => {
    await store.put("flow/run-1/output", { rows: 3, names: ["a", "b"] });
    expect(await store.get("flow/run-1/output")).toEqual({ rows: 3, names: ["a", "b"] });
    expect(await store.has("flow/run-1/output")).toBe(true);
  });

  it("keeps the payload and a metadata record side by side, with the payload's SHA-256", async () => {
    const metadata = await store.put("report", { total: 42 });
    const files = await collect(storage.list());
    expect(files.sort()).toEqual(
      [`report.${metadata.payloadId}.payload`, "report.meta.json"].sort(),
    );
    const record = JSON.parse(Buffer.from(await storage.readPath("report.meta.json")).toString());
    const payload = await storage.readPath(`report.${metadata.payloadId}.payload`);
    expect(record).toMatchObject({
      format: "tessera-result/1",
      key: "report",
      serializer: "json",
      compression: "none",
      expiresAt: null,
      length: payload.byteLength,
      sha256: createHash("sha256").update(payload).digest("hex"),
    });
    expect(Number.isNaN(Date.parse(record.createdAt))).toBe(false);
  });

  it("fails a read of a key that was never stored with RESULT_NOT_FOUND", async () => {
    const error = await errorOf(() => store.get("never/stored"));
    expect(error.code).toBe("RESULT_NOT_FOUND");
    expect(error.message).toContain('"never/stored"');
    expect(await store.has("never/stored")).toBe(false);
  });

  it("treats an expired result as absent, saying when it expired", async () => {
    await store.put("stale", 1, { expiresIn: 0 });
    await store.put("fresh", 2, { expiresIn: 60_000 });
    const error = await errorOf(() => store.get("stale"));
    expect(error.code).toBe("RESULT_NOT_FOUND");
    expect(error.expiredAt).toBeInstanceOf(Date);
    expect(error.message).toContain("expired at");
    expect(await store.has("stale")).toBe(false);
    expect(await store.get("fresh")).toBe(2);
    const info = await store.info("fresh");
    expect(Date.parse(info!.expiresAt!) - Date.parse(info!.createdAt)).toBe(60_000);
  });

  it("refuses an expiry that is not a number of milliseconds", async () => {
    for (const expiresIn of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect((await errorOf(() => store.put("k", 1, { expiresIn }))).code).toBe("INVALID_INPUT");
    }
    expect(await store.has("k")).toBe(false);
  });

  it("overwrites a result and removes the replaced payload", async () => {
    await store.put("key", "first");
    const second = await store.put("key", "second");
    expect(await store.get("key")).toBe("second");
    expect((await collect(storage.list())).sort()).toEqual(
      [`key.${second.payloadId}.payload`, "key.meta.json"].sort(),
    );
  });

  it("deletes a result, record and payload, and reports a missing one as false", async () => {
    await store.put("gone", [1, 2, 3]);
    expect(await store.delete("gone")).toBe(true);
    expect(await store.has("gone")).toBe(false);
    expect(await collect(storage.list())).toEqual([]);
    expect(await store.delete("gone")).toBe(false);
  });

  it("refuses keys that escape the storage with PATH_OUTSIDE_BASE", async () => {
    for (const key of ["../x", "a/../../x", "", "a\u0000b"]) {
      expect((await errorOf(() => store.put(key, 1))).code).toBe("PATH_OUTSIDE_BASE");
      expect((await errorOf(() => store.get(key))).code).toBe("PATH_OUTSIDE_BASE");
    }
  });

  it("keeps results under its prefix, however the key is spelled", async () => {
    const prefixed = new ResultStore({ storage, prefix: "/cache//v1" });
    await prefixed.put("/a//b", "value");
    expect(await prefixed.get("a/b")).toBe("value");
    expect((await collect(storage.list())).every((path) => path.startsWith("cache/v1/a/b."))).toBe(
      true,
    );
    expect((await errorOf(() => store.get("a/b"))).code).toBe("RESULT_NOT_FOUND");
  });

  describe("housekeeping", () => {
    it("lists the keys of stored results under a prefix, in key order", async () => {
      for (const key of ["daily/b", "daily/a", "daily-old/x", "weekly/c"])
        await store.put(key, key);
      const keys: string[] = [];
      for await (const key of store.keys("daily/")) keys.push(key);
      expect(keys).toEqual(["daily/a", "daily/b"]);
      const all: string[] = [];
      for await (const key of store.keys()) all.push(key);
      expect(all).toEqual(["daily-old/x", "daily/a", "daily/b", "weekly/c"]);
    });

    it("prunes payloads no record names, sparing recent ones and live results", async () => {
      const live = await store.put("kept", "live");
      await storage.writePath("kept.0000000000orphan1.payload", "left behind by a crash");
      await storage.writePath("kept.0000000000orphan2.payload", "a put still in flight");
      const old = new Date(Date.now() - 2 * 3_600_000);
      await utimes(join(basePath, "kept.0000000000orphan1.payload"), old, old);
      expect(await store.prune()).toBe(1);
      expect((await collect(storage.list())).sort()).toEqual(
        [
          `kept.${live.payloadId}.payload`,
          "kept.0000000000orphan2.payload",
          "kept.meta.json",
        ].sort(),
      );
      expect(await store.get("kept")).toBe("live");
      expect(await store.prune({ olderThan: 0 })).toBe(1);
      expect(await store.get("kept")).toBe("live");
    });

    it("prunes expired results when asked", async () => {
      await store.put("stale", 1, { expiresIn: 0 });
      await store.put("fresh", 2);
      expect(await store.prune({ expired: true })).toBe(2);
      expect((await collect(storage.list())).some((path) => path.startsWith("stale"))).toBe(false);
      expect(await store.get("fresh")).toBe(2);
    });
  });

  describe("integrity", () => {
    it("refuses a payload whose bytes changed with RESULT_CORRUPTED", async () => {
      const metadata = await store.put("data", { value: "original" });
      const file = join(basePath, `data.${metadata.payloadId}.payload`);
      const bytes = await readFile(file);
      bytes[5] = bytes[5]! ^ 0x01;
      await writeFile(file, bytes);
      const error = await errorOf(() => store.get("data"));
      expect(error.code).toBe("RESULT_CORRUPTED");
      expect(error.message).toContain("SHA-256");
      const streamError = await errorOf(async () => readStream(await store.getStream("data")));
      expect(streamError.code).toBe("RESULT_CORRUPTED");
    });

    it("refuses a truncated payload with RESULT_CORRUPTED", async () => {
      const metadata = await store.put("data", "x".repeat(1000));
      const file = join(basePath, `data.${metadata.payloadId}.payload`);
      await writeFile(file, (await readFile(file)).subarray(0, 500));
      expect((await errorOf(() => store.get("data"))).code).toBe("RESULT_CORRUPTED");
    });

    it("refuses an unreadable metadata record with RESULT_CORRUPTED", async () => {
      await store.put("data", 1);
      await writeFile(join(basePath, "data.meta.json"), "{ not json");
      expect((await errorOf(() => store.get("data"))).code).toBe("RESULT_CORRUPTED");
      await writeFile(
        join(basePath, "data.meta.json"),
        JSON.stringify({ format: "tessera-result/1" }),
      );
      expect((await errorOf(() => store.get("data"))).code).toBe("RESULT_CORRUPTED");
    });

    it("replaces a corrupted result on the next put", async () => {
      await store.put("data", 1);
      await writeFile(join(basePath, "data.meta.json"), "{ not json");
      await store.put("data", 2);
      expect(await store.get("data")).toBe(2);
    });

    it("verifies the checksum on file systems that do not report pieces while reading", async () => {
      const plain: WritableFileSystem = {
        readPath: (path) => storage.readPath(path),
        createReadStream: (path) => storage.createReadStream(path),
        writePath: (path, content, options) => storage.writePath(path, content, options),
        exists: (path) => storage.exists(path),
        delete: (path) => storage.delete(path),
        list: (prefix) => storage.list(prefix),
      };
      const plainStore = new ResultStore({ storage: plain });
      const metadata = await plainStore.put("data", { value: "original" });
      expect(await plainStore.get("data")).toEqual({ value: "original" });
      const file = join(basePath, `data.${metadata.payloadId}.payload`);
      const bytes = await readFile(file);
      bytes[3] = bytes[3]! ^ 0x01;
      await writeFile(file, bytes);
      expect((await errorOf(() => plainStore.get("data"))).code).toBe("RESULT_CORRUPTED");
    });

    it("reports a missing payload as RESULT_CORRUPTED rather than returning nothing", async () => {
      const metadata = await store.put("data", 1);
      await storage.delete(`data.${metadata.payloadId}.payload`);
      expect((await errorOf(() => store.get("data"))).code).toBe("RESULT_CORRUPTED");
    });
  });

  describe("visibility", () => {
    it("writes the payload completely before the record that makes it visible", async () => {
      const events: string[] = [];
      const recording: WritableFileSystem = {
        readPath: (path, options) => storage.readPath(path, options),
        createReadStream: (path, options) => storage.createReadStream(path, options),
        exists: (path) => storage.exists(path),
        delete: (path) => storage.delete(path),
        list: (prefix) => storage.list(prefix),
        async writePath(path, content, options) {
          events.push(`start ${path.endsWith(".meta.json") ? "record" : "payload"}`);
          const key = await storage.writePath(path, content, options);
          events.push(`end ${path.endsWith(".meta.json") ? "record" : "payload"}`);
          return key;
        },
      };
      await new ResultStore({ storage: recording }).put("ordered", { a: 1 });
      expect(events).toEqual(["start payload", "end payload", "start record", "end record"]);
    });

    it("leaves no record, and the earlier result intact, when a streamed put fails", async () => {
      const binary = new ResultStore({ storage, serializer: "binary" });
      await binary.put("partial", "earlier");
      const failing = (async function* () {
        yield Buffer.alloc(1024, 1);
        throw new Error("the producer failed");
      })();
      await expect(binary.put("partial", failing)).rejects.toThrow("the producer failed");
      expect(Buffer.from(await binary.get<Buffer>("partial")).toString()).toBe("earlier");
      await expect(
        binary.put(
          "never",
          Readable.from(
            (async function* () {
              yield Buffer.from("a");
              throw new Error("broken stream");
            })(),
          ),
        ),
      ).rejects.toThrow("broken stream");
      expect(await binary.has("never")).toBe(false);
      expect((await collect(storage.list())).filter((path) => path.startsWith("never"))).toEqual(
        [],
      );
    });

    it("never shows a reader a half-replaced result while writers overwrite it", async () => {
      await store.put("busy", { version: 0, padding: "p".repeat(10_000) });
      let writing = true;
      const writers = (async () => {
        for (let version = 1; version <= 20; version++) {
          await store.put("busy", { version, padding: "p".repeat(10_000 + version) });
        }
      })().finally(() => {
        writing = false;
      });
      let reads = 0;
      while (writing) {
        const value = await store.get<{ version: number; padding: string }>("busy");
        expect(value.padding.length).toBe(10_000 + value.version);
        reads++;
      }
      await writers;
      expect(reads).toBeGreaterThan(0);
      expect((await store.get<{ version: number }>("busy")).version).toBe(20);
    });
  });

  describe("serializers", () => {
    it("refuses what JSON cannot carry with SERIALIZATION_FAILED", async () => {
      expect((await errorOf(() => store.put("u", undefined))).code).toBe("SERIALIZATION_FAILED");
      const bigint = await errorOf(() => store.put("b", { count: 1n }));
      expect(bigint.code).toBe("SERIALIZATION_FAILED");
      expect(bigint.message).toContain('"rich"');
      expect(await store.has("b")).toBe(false);
    });

    it("round-trips Date, Map, Set, BigInt, typed arrays, undefined and NaN with the rich serializer", async () => {
      const rich = new ResultStore({ storage, serializer: "rich" });
      const value = {
        at: new Date("2024-06-01T12:00:00.000Z"),
        lookup: new Map<unknown, unknown>([
          ["a", 1],
          [2, new Set([1n, undefined])],
        ]),
        big: 2n ** 70n,
        samples: new Float64Array([1.5, Number.NaN, Number.NEGATIVE_INFINITY]),
        bytes: Buffer.from([0, 255]),
        missing: undefined,
        notANumber: Number.NaN,
        $t: "a key that looks like a tag",
      };
      await rich.put("rich", value);
      const read = await rich.get<typeof value>("rich");
      expect(read).toEqual(value);
      expect(read.at).toBeInstanceOf(Date);
      expect(read.samples).toBeInstanceOf(Float64Array);
      expect(Buffer.isBuffer(read.bytes)).toBe(true);
      expect("missing" in read).toBe(true);
    });

    it("passes bytes and streams through the binary serializer and streams them back", async () => {
      const binary = new ResultStore({ storage, serializer: "binary" });
      const chunks = Array.from({ length: 40 }, (_, index) => Buffer.alloc(256 << 10, index));
      const expected = Buffer.concat(chunks);
      const metadata = await binary.put("blob", Readable.from(chunks));
      expect(metadata.contentLength).toBe(expected.length);
      expect((await binary.get<Buffer>("blob")).equals(expected)).toBe(true);
      expect((await readStream(await binary.getStream("blob"))).equals(expected)).toBe(true);
      await binary.put("text", "plain text");
      expect((await binary.get<Buffer>("text")).toString()).toBe("plain text");
    });

    it("records the SHA-256 of a payload of many megabytes, given as bytes or as a stream", async () => {
      const binary = new ResultStore({ storage, serializer: "binary" });
      const bytes = randomBytes(24 << 20);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const whole = await binary.put("whole", bytes);
      expect(whole).toMatchObject({ sha256, length: bytes.length });
      // A stream of fresh chunks, more than a put holds while they wait to be hashed.
      const streamed = await binary.put(
        "streamed",
        Readable.from(
          (function* () {
            for (let offset = 0; offset < bytes.length; offset += 1 << 20) {
              yield Buffer.from(bytes.subarray(offset, offset + (1 << 20)));
            }
          })(),
        ),
      );
      expect(streamed).toMatchObject({ sha256, length: bytes.length });
      expect((await binary.get<Buffer>("whole")).equals(bytes)).toBe(true);
      expect((await binary.get<Buffer>("streamed")).equals(bytes)).toBe(true);
    });

    it("uses a custom serializer and names an unknown one when reading", async () => {
      const csv: Serializer<string[][]> = {
        name: "csv",
        serialize: (rows) => rows.map((row) => row.join(",")).join("\n"),
        deserialize: (bytes) =>
          Buffer.from(bytes)
            .toString()
            .split("\n")
            .map((line) => line.split(",")),
      };
      const writer = new ResultStore({ storage, serializer: csv as Serializer });
      await writer.put("table", [
        ["a", "b"],
        ["1", "2"],
      ]);
      expect(await writer.get("table")).toEqual([
        ["a", "b"],
        ["1", "2"],
      ]);
      const error = await errorOf(() => new ResultStore({ storage }).get("table"));
      expect(error.code).toBe("UNKNOWN_SERIALIZER");
      expect(error.message).toContain('"csv"');
      expect(
        await new ResultStore({ storage, serializers: [csv as Serializer] }).get("table"),
      ).toEqual([
        ["a", "b"],
        ["1", "2"],
      ]);
    });
  });

  describe("compression", () => {
    for (const compression of ["gzip", "brotli"] as const) {
      it(`stores ${compression}-compressed payloads and reads them back, whole or streamed`, async () => {
        const compressed = new ResultStore({ storage, compression });
        const value = { text: "tessera ".repeat(50_000) };
        const metadata = await compressed.put("big", value);
        expect(metadata.compression).toBe(compression);
        expect(metadata.length).toBeLessThan(metadata.contentLength / 10);
        expect(await compressed.get("big")).toEqual(value);
        expect(
          JSON.parse((await readStream(await compressed.getStream("big"))).toString()),
        ).toEqual(value);
        // A plain store reads what a compressing one wrote: the record says how.
        expect(await new ResultStore({ storage }).get("big")).toEqual(value);
      });
    }
  });

  it("refuses an unknown compression when the store is made, before anything is written", () => {
    expect(() => new ResultStore({ storage, compression: "zip" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringContaining('"zip"') }),
    );
  });

  describe("progress", () => {
    it("reports bytes as a large result is written and read", async () => {
      const binary = new ResultStore({ storage, serializer: "binary" });
      const size = 8 << 20;
      const writes: TransferProgress[] = [];
      await binary.put(
        "large",
        Readable.from(
          (function* () {
            for (let offset = 0; offset < size; offset += 1 << 20) yield Buffer.alloc(1 << 20, 3);
          })(),
        ),
        { contentLength: size, onProgress: (progress) => writes.push(progress) },
      );
      expect(writes.at(-1)).toEqual({ bytes: size, totalBytes: size });
      const reads: TransferProgress[] = [];
      await binary.get("large", { onProgress: (progress) => reads.push(progress) });
      expect(reads.at(-1)).toEqual({ bytes: size, totalBytes: size });
    });
  });

  describe("storage", () => {
    it("loads its storage from a saved block's slug", async () => {
      await new LocalFileSystem({ basePath: join(harness.home, "saved") }).save("results");
      const bySlug = new ResultStore({ storage: "local-file-system/results" });
      await bySlug.put("k", "v");
      expect(await readdir(join(harness.home, "saved"))).toContain("k.meta.json");
      expect(await bySlug.get("k")).toBe("v");
    });

    it("names an unknown serializer option as the store's own setting, listing the known ones", async () => {
      let thrown: { code?: string; message: string } | undefined;
      try {
        new ResultStore({ storage, serializer: "yaml" });
      } catch (error) {
        thrown = error as { code?: string; message: string };
      }
      expect(thrown?.code).toBe("UNKNOWN_SERIALIZER");
      expect(thrown?.message).toContain('serializer "yaml"');
      expect(thrown?.message).toContain('"json", "binary", "rich"');
      expect(thrown?.message).not.toContain("stored under");
    });

    it("names a storage slug that is not saved, and works once it is, without a new store", async () => {
      const bySlug = new ResultStore({ storage: "local-file-system/later" });
      const missing = await errorOf(() => bySlug.put("k", "v"));
      expect(missing.code).toBe("BLOCK_NOT_FOUND");
      expect(missing.message).toContain("local-file-system/later");
      await new LocalFileSystem({ basePath: join(harness.home, "later") }).save("later");
      await bySlug.put("k", "v");
      expect(await bySlug.get("k")).toBe("v");
    });

    it("refuses a slug whose block is not a file system with INVALID_RESULT_STORAGE naming it", async () => {
      class ReviewNote extends defineBlock({
        type: "review-note",
        title: "Review note",
        schema: z.object({ text: z.string() }),
      }) {}
      await new ReviewNote({ text: "not storage" }).save("memo");
      const error = await errorOf(() => new ResultStore({ storage: "review-note/memo" }).get("k"));
      expect(error.code).toBe("INVALID_RESULT_STORAGE");
      expect(error.message).toContain('"review-note/memo"');
      expect(error.message).toContain("local-file-system/<name>");
    });

    it("refuses storage that is not a file system with INVALID_RESULT_STORAGE", async () => {
      const error = await errorOf(() =>
        new ResultStore({ storage: {} as unknown as WritableFileSystem }).get("k"),
      );
      expect(error.code).toBe("INVALID_RESULT_STORAGE");
      expect(error.message).toContain("writePath");
    });
  });
});
