import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { megabyte, patternChunk, type WritableFileSystemSuite } from "./helpers.js";

/**
 * A full garbage collection, so a memory reading counts what is held, not garbage not yet
 * collected (which depends on the heap's size when the test starts, and made readings noisy).
 */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** WritableFileSystem conformance: large files streamed in bounded memory. */
export function describeLargeFiles(suite: WritableFileSystemSuite): void {
  const { it, expect } = suite.api;
  const { fileSystem, timeout, largeMegabytes, memoryMegabytes } = suite;
  it(
    `streams a ${largeMegabytes} MB write and read without buffering it in memory`,
    async () => {
      const chunkSize = megabyte;
      const chunkCount = largeMegabytes;
      // A smaller file through the same write and read paths first, so what the client loads and
      // pools on its first transfer (modules, sockets, buffers) is not counted as growth.
      const warmUpCount = Math.min(chunkCount, 10);
      await fileSystem().writePath(
        "large/warm-up.bin",
        Readable.from(
          Array.from({ length: warmUpCount }, (_, index) => patternChunk(index, chunkSize)),
        ),
        { contentLength: chunkSize * warmUpCount },
      );
      for await (const _chunk of await fileSystem().createReadStream("large/warm-up.bin")) {
        // Read to the end.
      }
      await fileSystem().delete("large/warm-up.bin");
      const expected = createHash("sha256");
      collectGarbage();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      // What is held at each point: collected first, at most once per 4 MB moved.
      let sinceSample = Number.POSITIVE_INFINITY;
      const sample = (bytes = chunkSize) => {
        sinceSample += bytes;
        if (sinceSample < 4 * megabyte) return;
        sinceSample = 0;
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().rss);
      };
      const written = await fileSystem().writePath(
        "large/stream.bin",
        Readable.from(
          (function* () {
            for (let index = 0; index < chunkCount; index++) {
              sample();
              const chunk = patternChunk(index, chunkSize);
              expected.update(chunk);
              yield chunk;
            }
          })(),
        ),
        { contentLength: chunkSize * chunkCount },
      );
      expect(written).toBe("large/stream.bin");
      const actual = createHash("sha256");
      let size = 0;
      for await (const chunk of await fileSystem().createReadStream("large/stream.bin")) {
        sample((chunk as Buffer).length);
        actual.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      sample();
      expect(size).toBe(chunkSize * chunkCount);
      expect(actual.digest("hex")).toBe(expected.digest("hex"));
      const growthMegabytes = (peak - baseline) / megabyte;
      if (process.env.TESSERA_CONFORMANCE_VERBOSE)
        console.log(`resident memory grew ${growthMegabytes.toFixed(1)} MB`);
      expect(growthMegabytes).toBeLessThan(memoryMegabytes);
    },
    timeout,
  );
}
