import { Readable } from "node:stream";
import type { TransferProgress } from "../../results/index.js";
import { megabyte, readStream, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: progress reports. */
export function describeProgress(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, timeout } = suite;
  describe("progress", () => {
    it(
      "reports the bytes written and read, ending at the payload's size",
      async () => {
        const size = 3 * megabyte + 17;
        const writes: TransferProgress[] = [];
        await fileSystem().writePath(
          "progress.bin",
          Readable.from(
            (function* () {
              for (let offset = 0; offset < size; offset += 64 << 10) {
                yield Buffer.alloc(Math.min(64 << 10, size - offset), 7);
              }
            })(),
          ),
          { onProgress: (progress) => writes.push({ ...progress }), contentLength: size },
        );
        expect(writes.length).toBeGreaterThan(0);
        expect(writes.at(-1)?.bytes).toBe(size);
        const reads: TransferProgress[] = [];
        const pieces: Buffer[] = [];
        const read = await fileSystem().readPath("progress.bin", {
          onProgress: (progress) => reads.push({ ...progress }),
          // Optional for implementations; when they call it, the pieces make up the content.
          onChunk: (chunk) => pieces.push(Buffer.from(chunk)),
        });
        if (pieces.length > 0) expect(Buffer.concat(pieces).equals(Buffer.from(read))).toBe(true);
        expect(reads.at(-1)?.bytes).toBe(size);
        const streamed: TransferProgress[] = [];
        await readStream(
          await fileSystem().createReadStream("progress.bin", {
            onProgress: (progress) => streamed.push({ ...progress }),
          }),
        );
        expect(streamed.at(-1)?.bytes).toBe(size);
        for (const series of [writes, reads, streamed]) {
          const bytes = series.map((progress) => progress.bytes);
          expect(bytes.every((value, index) => index === 0 || value >= bytes[index - 1]!)).toBe(
            true,
          );
        }
      },
      timeout,
    );
  });
}
