/**
 * The two cases every storage block's benchmark runs, so the providers measure the same things
 * the same way: the memory a 100 MB streamed upload holds (measured first, before the timed
 * transfers grow the heap), and `ResultStore` put + get of a 100 MB result beside the bare SDK
 * moving the same bytes to the same server.
 */
import { Readable } from "node:stream";
import { ResultStore, type WritableFileSystem } from "@tessera/core";
import type { BenchCase } from "./harness.js";

const megabyte = 1 << 20;

/** Size of the result both sides move, in MB. */
const resultMegabytes = 100;

/** The same 100 MB for both sides: one 1 MB chunk, a hundred times. */
const chunk = Buffer.alloc(megabyte, 0x5a);

/** A fresh stream of the 100 MB payload. */
export const payload = (): Readable =>
  Readable.from(Array.from({ length: resultMegabytes }, () => chunk));

/** The 100 MB payload as one buffer, for SDKs that take bytes. */
export const wholePayload = (): Buffer =>
  Buffer.concat(Array.from({ length: resultMegabytes }, () => chunk));

/** Reads a stream to the end; returns its length. */
export async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let length = 0;
  for await (const part of stream) length += (part as Buffer).length;
  return length;
}

/** The memory case and the put + get case of one storage block. */
export function storageBenchCases(options: {
  /** The block's class name, as the case names show it, such as `S3Bucket`. */
  block: string;
  /** The server the run talks to, such as `s3rver`. */
  server: string;
  /** How the upload is made, such as `default part size and concurrency`. */
  uploadSettings: string;
  /** The block under test. */
  storage: WritableFileSystem;
  /** The same block on a folder of its own, for the memory case. */
  memoryStorage: WritableFileSystem;
  /** The bare SDK's upload and download of `payload()` (or `wholePayload()`). */
  floor: () => Promise<unknown>;
}): BenchCase[] {
  const store = new ResultStore({ storage: options.storage, serializer: "binary" });
  return [
    {
      kind: "value",
      name: `memory held while ${options.block} uploads ${resultMegabytes} MB (${options.uploadSettings})`,
      unit: "MB",
      target: 64,
      measure: async () => {
        const fresh = options.memoryStorage;
        await fresh.writePath("warm-up.bin", Readable.from([Buffer.alloc(9 * megabyte)]));
        globalThis.gc?.();
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 2);
        try {
          await fresh.writePath(
            "large.bin",
            Readable.from(
              (function* () {
                for (let index = 0; index < resultMegabytes; index++) {
                  yield Buffer.alloc(megabyte, index);
                }
              })(),
            ),
          );
        } finally {
          clearInterval(sampler);
        }
        return Math.round(((peak - baseline) / megabyte) * 10) / 10;
      },
    },
    {
      kind: "time",
      name: `ResultStore put+get of a ${resultMegabytes} MB result on ${options.block} (${options.server})`,
      target: 1.2,
      iterations: 7,
      warmup: 1,
      run: async () => {
        await store.put("result", payload());
        await drain(await store.getStream("result"));
      },
      floor: options.floor,
    },
  ];
}
