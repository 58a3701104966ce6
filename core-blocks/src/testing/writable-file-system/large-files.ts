import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { megabyte, patternChunk, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: large files streamed in bounded memory. */
export function describeLargeFiles(suite: WritableFileSystemSuite): void {
  const { it, expect } = suite.api;
  const { fileSystem, timeout, largeMegabytes, memoryMegabytes } = suite;
  it(
    `streams a ${largeMegabytes} MB write and read without buffering it in memory`,
    async () => {
      const chunkSize = megabyte;
      const chunkCount = largeMegabytes;
      const expected = createHash("sha256");
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sample = () => {
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
        sample();
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
