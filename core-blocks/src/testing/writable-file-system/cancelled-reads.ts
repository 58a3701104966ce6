import { errorOf, isAbortError, megabyte, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: cancelled reads. */
export function describeCancelledReads(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, timeout } = suite;
  describe("cancelled reads", () => {
    it(
      "stops a streamed read whose signal aborts with an AbortError, and refuses one already aborted",
      async () => {
        const size = 8 * megabyte;
        await fileSystem().writePath("cancelled/big.bin", new Uint8Array(size));
        const controller = new AbortController();
        const stream = await fileSystem().createReadStream("cancelled/big.bin", {
          signal: controller.signal,
        });
        let received = 0;
        const error = await errorOf(async () => {
          for await (const chunk of stream) {
            received += (chunk as Uint8Array).byteLength;
            controller.abort();
          }
        });
        expect(isAbortError(error) || controller.signal.reason === error).toBe(true);
        expect(received).toBeLessThan(size);
        const aborted = new AbortController();
        aborted.abort();
        const early = await errorOf(() =>
          fileSystem().readPath("cancelled/big.bin", { signal: aborted.signal }),
        );
        expect(isAbortError(early) || aborted.signal.reason === early).toBe(true);
        // The file is intact for the next reader.
        expect((await fileSystem().readPath("cancelled/big.bin")).byteLength).toBe(size);
      },
      timeout,
    );
  });
}
