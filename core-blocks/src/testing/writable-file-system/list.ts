import { collect, inParallel, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: listing. */
export function describeList(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, timeout, listPageSize } = suite;
  describe("list", () => {
    it(
      "pages through more files than one listing page holds, in key order",
      async () => {
        const count = listPageSize * 2 + 3;
        const names = Array.from(
          { length: count },
          (_, index) => `many/file-${String(index).padStart(5, "0")}.txt`,
        );
        await inParallel(
          names.map((name) => () => fileSystem().writePath(name, name)),
          8,
        );
        await fileSystem().writePath("many-other/x.txt", "x");
        await fileSystem().writePath("elsewhere/y.txt", "y");
        const listed = await collect(fileSystem().list("many/"));
        expect(listed.length).toBe(count);
        expect(listed.map((entry) => entry.path)).toEqual(names);
        expect(listed.every((entry) => entry.size === entry.path.length)).toBe(true);
        const partial = await collect(fileSystem().list("many"));
        expect(partial.length).toBe(count + 1);
        // "-" sorts before "/": keys are listed in byte order, as S3 lists them.
        expect(partial[0]?.path).toBe("many-other/x.txt");
        expect((await collect(fileSystem().list())).length).toBe(count + 2);
        expect((await collect(fileSystem().list("many/file-0000"))).length).toBe(10);
      },
      timeout,
    );

    it(
      "lists nothing under a prefix that holds no files",
      async () => {
        await fileSystem().writePath("present.txt", "here");
        expect(await collect(fileSystem().list("absent/"))).toEqual([]);
        expect(await collect(fileSystem().list("present.txt/"))).toEqual([]);
      },
      timeout,
    );

    it(
      "accepts the same spellings of a prefix as of a path",
      async () => {
        await fileSystem().writePath("p/q/r.txt", "r");
        for (const prefix of ["p/q/", "/p//q/", "./p/q/"]) {
          expect((await collect(fileSystem().list(prefix))).map((entry) => entry.path)).toEqual([
            "p/q/r.txt",
          ]);
        }
      },
      timeout,
    );
  });
}
