import { collect, readStream, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: exists and delete. */
export function describeExistsAndDelete(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, expectCode, timeout } = suite;
  describe("exists and delete", () => {
    it(
      "reports a missing path as absent and deleting it as false",
      async () => {
        expect(await fileSystem().exists("missing.txt")).toBe(false);
        expect(await fileSystem().delete("missing.txt")).toBe(false);
        expect(await fileSystem().delete("missing/deeper/file.txt")).toBe(false);
      },
      timeout,
    );

    it(
      "deletes a file so that it no longer exists, reads or lists",
      async () => {
        await fileSystem().writePath("gone/soon.txt", "bye");
        await fileSystem().writePath("gone/stays.txt", "stay");
        expect(await fileSystem().exists("gone/soon.txt")).toBe(true);
        expect(await fileSystem().delete("gone/soon.txt")).toBe(true);
        expect(await fileSystem().exists("gone/soon.txt")).toBe(false);
        expect(await fileSystem().delete("gone/soon.txt")).toBe(false);
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "gone/stays.txt",
        ]);
      },
      timeout,
    );

    it(
      "fails a read of a missing path with FILE_NOT_FOUND",
      async () => {
        await expectCode(() => fileSystem().readPath("missing.txt"), "FILE_NOT_FOUND");
        await expectCode(
          async () => readStream(await fileSystem().createReadStream("missing/file.txt")),
          "FILE_NOT_FOUND",
        );
      },
      timeout,
    );
  });
}
