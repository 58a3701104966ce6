import { collect, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: paths. */
export function describePaths(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, expectCode, timeout } = suite;
  describe("paths", () => {
    it(
      "resolves equivalent spellings of a path to one key",
      async () => {
        const spellings = [
          "/x//y/./z.txt",
          "x/y/z.txt",
          "./x/y/z.txt",
          "x//y/z.txt/",
          "///x/y/z.txt",
        ];
        for (const [index, spelling] of spellings.entries()) {
          expect(await fileSystem().writePath(spelling, `version ${index}`)).toBe("x/y/z.txt");
        }
        for (const spelling of spellings) {
          expect(await fileSystem().exists(spelling)).toBe(true);
          expect(Buffer.from(await fileSystem().readPath(spelling)).toString()).toBe(
            `version ${spellings.length - 1}`,
          );
        }
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "x/y/z.txt",
        ]);
      },
      timeout,
    );

    it(
      "treats the key a write returns as the same file when it is used again",
      async () => {
        const key = await fileSystem().writePath("/results//once.json", "1");
        expect(await fileSystem().writePath(key, "2")).toBe(key);
        expect(await fileSystem().writePath(await fileSystem().writePath(key, "3"), "4")).toBe(key);
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([key]);
        expect(Buffer.from(await fileSystem().readPath(key)).toString()).toBe("4");
      },
      timeout,
    );

    const escapes = [
      "../outside.txt",
      "a/../../outside.txt",
      "a/..",
      "..",
      "ok/\u0000.txt",
      "a\\..\\outside.txt",
      "%2e%2e/outside.txt",
      "a/%2E%2E/%2e%2e/outside.txt",
      "a/%252e%252e/outside.txt",
      "a%2f..%2foutside.txt",
      "line\nbreak.txt",
      "",
      "/",
    ];
    it(
      "refuses paths that escape the base folder with PATH_OUTSIDE_BASE, touching nothing",
      async () => {
        await fileSystem().writePath("inside.txt", "inside");
        for (const path of escapes) {
          await expectCode(() => fileSystem().writePath(path, "escaped"), "PATH_OUTSIDE_BASE");
          await expectCode(() => fileSystem().readPath(path), "PATH_OUTSIDE_BASE");
          await expectCode(() => fileSystem().createReadStream(path), "PATH_OUTSIDE_BASE");
          await expectCode(() => fileSystem().exists(path), "PATH_OUTSIDE_BASE");
          await expectCode(() => fileSystem().delete(path), "PATH_OUTSIDE_BASE");
        }
        await expectCode(() => collect(fileSystem().list("../")), "PATH_OUTSIDE_BASE");
        await expectCode(() => collect(fileSystem().list("a/../../")), "PATH_OUTSIDE_BASE");
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "inside.txt",
        ]);
      },
      timeout,
    );
  });
}
