import { setImmediate as nextTurn } from "node:timers/promises";
import { collect, errorOf, isAbortError, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: atomic writes. */
export function describeAtomicity(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, timeout } = suite;
  describe("atomicity", () => {
    it(
      "lets one of two racing writers win with its whole payload, never a mix",
      async () => {
        const chunkSize = 256 << 10;
        const chunks = 16;
        const payload = (fill: number) => Buffer.alloc(chunkSize * chunks, fill);
        const initial = Buffer.from("initial");
        await fileSystem().writePath("race.bin", initial);
        const writer = (fill: number) =>
          fileSystem().writePath(
            "race.bin",
            (async function* () {
              for (let index = 0; index < chunks; index++) {
                await nextTurn();
                yield Buffer.alloc(chunkSize, fill);
              }
            })(),
          );
        const allowed = [initial, payload(0xa1), payload(0xb2)];
        let writing = true;
        const reader = (async () => {
          let reads = 0;
          while (writing || reads === 0) {
            const seen = Buffer.from(await fileSystem().readPath("race.bin"));
            expect(allowed.some((candidate) => candidate.equals(seen))).toBe(true);
            reads++;
            await nextTurn();
          }
        })();
        try {
          await Promise.all([writer(0xa1), writer(0xb2)]);
        } finally {
          writing = false;
        }
        await reader;
        const final = Buffer.from(await fileSystem().readPath("race.bin"));
        expect(final.equals(allowed[1]!) || final.equals(allowed[2]!)).toBe(true);
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "race.bin",
        ]);
      },
      timeout,
    );

    it(
      "leaves the previous content and no stray file when a write is aborted",
      async () => {
        await fileSystem().writePath("kept.txt", "previous");
        const controller = new AbortController();
        const error = await errorOf(() =>
          fileSystem().writePath(
            "kept.txt",
            (async function* () {
              yield Buffer.alloc(64 << 10, 1);
              await nextTurn();
              controller.abort();
              yield Buffer.alloc(64 << 10, 2);
              await nextTurn();
              yield Buffer.alloc(64 << 10, 3);
            })(),
            { signal: controller.signal },
          ),
        );
        expect(error === undefined).toBe(false);
        expect(isAbortError(error) || controller.signal.reason === error).toBe(true);
        expect(Buffer.from(await fileSystem().readPath("kept.txt")).toString()).toBe("previous");
        const aborted = new AbortController();
        aborted.abort();
        const early = await errorOf(() =>
          fileSystem().writePath("new.txt", "never", { signal: aborted.signal }),
        );
        expect(early === undefined).toBe(false);
        expect(await fileSystem().exists("new.txt")).toBe(false);
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "kept.txt",
        ]);
      },
      timeout,
    );
  });
}
