import { createHash } from "node:crypto";
import { readFile, truncate, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBrotliCompress, createGzip, constants as zlibConstants } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalFileSystem, ResultStore } from "../src/index.js";
import { useTestHarness } from "../src/testing/index.js";

const harness = useTestHarness({ beforeEach, afterEach });

async function errorOf(
  action: () => Promise<unknown>,
): Promise<{ code?: string; message: string }> {
  try {
    await action();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the action to fail");
}

/** `megabytes` MB of zeros, compressed as it streams: a few hundred KB that inflate a thousandfold. */
async function bomb(compression: "gzip" | "brotli", megabytes: number): Promise<Buffer> {
  const zeros = Buffer.alloc(1 << 20);
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(
      (function* () {
        for (let index = 0; index < megabytes; index++) yield zeros;
      })(),
    ),
    compression === "gzip"
      ? createGzip({ level: 9 })
      : createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    },
  );
  return Buffer.concat(chunks);
}

/**
 * Stores a small compressed result, then swaps its payload for `payload` and points the record at
 * it (length and SHA-256 match, so only the recorded content length tells the bomb apart).
 */
async function plantPayload(
  basePath: string,
  store: ResultStore,
  payload: Buffer,
): Promise<number> {
  const metadata = await store.put("report", Buffer.from("a small result"), {
    serializer: "binary",
  });
  const payloadFile = join(basePath, `report.${metadata.payloadId}.payload`);
  await unlink(payloadFile);
  await writeFile(payloadFile, payload);
  const record = JSON.parse(await readFile(join(basePath, "report.meta.json"), "utf8"));
  record.length = payload.byteLength;
  record.sha256 = createHash("sha256").update(payload).digest("hex");
  await writeFile(join(basePath, "report.meta.json"), JSON.stringify(record));
  return metadata.contentLength;
}

describe("ResultStore reads are bounded by the record", () => {
  let basePath: string;
  let storage: LocalFileSystem;
  beforeEach(() => {
    basePath = join(harness.home, "storage");
    storage = new LocalFileSystem({ basePath });
  });

  it("refuses a gzip payload that inflates past its recorded length with RESULT_CORRUPTED, without inflating it", async () => {
    const store = new ResultStore({ storage, compression: "gzip" });
    const payload = await bomb("gzip", 256);
    expect(payload.byteLength).toBeLessThan(512 << 10);
    await plantPayload(basePath, store, payload);
    global.gc?.();
    const before = process.memoryUsage().rss;
    const error = await errorOf(() => store.get("report"));
    const grown = process.memoryUsage().rss - before;
    expect(error.code).toBe("RESULT_CORRUPTED");
    expect(error.message).toContain("decompresses to more than");
    // Inflating the whole bomb would take 256 MB.
    expect(grown).toBeLessThan(64 << 20);
  });

  it("stops a streamed read of a gzip bomb at the recorded length with RESULT_CORRUPTED", async () => {
    const store = new ResultStore({ storage, compression: "gzip" });
    const recorded = await plantPayload(basePath, store, await bomb("gzip", 256));
    let delivered = 0;
    const error = await errorOf(async () => {
      for await (const chunk of await store.getStream("report")) delivered += chunk.length;
    });
    expect(error.code).toBe("RESULT_CORRUPTED");
    expect(delivered).toBeLessThanOrEqual(recorded);
  });

  it("refuses a brotli payload that inflates past its recorded length with RESULT_CORRUPTED", async () => {
    const store = new ResultStore({ storage, compression: "brotli" });
    await plantPayload(basePath, store, await bomb("brotli", 32));
    const error = await errorOf(() => store.get("report"));
    expect(error.code).toBe("RESULT_CORRUPTED");
  });

  it("refuses a compressed payload that inflates to less than its recorded length", async () => {
    const store = new ResultStore({ storage, compression: "gzip" });
    const metadata = await store.put("report", Buffer.from("a small result"), {
      serializer: "binary",
    });
    const record = JSON.parse(await readFile(join(basePath, "report.meta.json"), "utf8"));
    record.contentLength = metadata.contentLength + 1;
    await writeFile(join(basePath, "report.meta.json"), JSON.stringify(record));
    expect((await errorOf(() => store.get("report"))).code).toBe("RESULT_CORRUPTED");
    expect(
      (
        await errorOf(async () => {
          for await (const _ of await store.getStream("report")) {
            // drain
          }
        })
      ).code,
    ).toBe("RESULT_CORRUPTED");
  });

  it("stops reading a payload that grew past its recorded length", async () => {
    const store = new ResultStore({ storage });
    const metadata = await store.put("report", Buffer.alloc(1000, 7), { serializer: "binary" });
    const payloadFile = join(basePath, `report.${metadata.payloadId}.payload`);
    await writeFile(payloadFile, Buffer.alloc(64 << 20, 7));
    let read = 0;
    const error = await errorOf(() =>
      store.get("report", {
        onProgress: ({ bytes }) => {
          read = bytes;
        },
      }),
    );
    expect(error.code).toBe("RESULT_CORRUPTED");
    expect(error.message).toContain("longer than the 1000 bytes");
    // One read piece at most, not the whole 64 MB.
    expect(read).toBeLessThanOrEqual(4 << 20);
    let streamed = 0;
    const streamError = await errorOf(async () => {
      for await (const chunk of await store.getStream("report")) streamed += chunk.length;
    });
    expect(streamError.code).toBe("RESULT_CORRUPTED");
    expect(streamed).toBeLessThanOrEqual(1000);
  });
  it("reads no more of an oversized metadata record than a record can hold", async () => {
    const store = new ResultStore({ storage });
    await store.put("report", { rows: 1 });
    // A 2 GB record (sparse, so it takes no disk): reading it whole would take 2 GB of memory.
    await truncate(join(basePath, "report.meta.json"), 2 ** 31);
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (const action of [() => store.get("report"), () => store.info("report")]) {
      const error = await errorOf(action);
      expect(error.code).toBe("RESULT_CORRUPTED");
      expect(error.message).toContain("more than a record can be");
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });
});
