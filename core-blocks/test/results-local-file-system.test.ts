import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalFileSystem } from "../src/results/index.js";
import { describeWritableFileSystem } from "../src/testing/index.js";

describeWritableFileSystem(
  { describe, it, expect, beforeEach, afterEach },
  async () => {
    const basePath = await mkdtemp(join(tmpdir(), "tessera-local-fs-"));
    return {
      fileSystem: new LocalFileSystem({ basePath }),
      cleanup: () => rm(basePath, { recursive: true, force: true }),
    };
  },
  { name: "LocalFileSystem conformance", listPageSize: 100 },
);

describe("LocalFileSystem", () => {
  let basePath: string;
  beforeEach(async () => {
    basePath = await mkdtemp(join(tmpdir(), "tessera-local-fs-"));
  });
  afterEach(async () => {
    await rm(basePath, { recursive: true, force: true });
  });

  it("keeps files inside its base folder, whatever the spelling", async () => {
    const fileSystem = new LocalFileSystem({ basePath });
    await fileSystem.writePath("/etc//passwd", "not the real one");
    expect(await readdir(join(basePath, "etc"))).toEqual(["passwd"]);
  });

  it("removes folders a delete leaves empty, but never the base folder", async () => {
    const fileSystem = new LocalFileSystem({ basePath });
    await fileSystem.writePath("a/b/c.txt", "c");
    await fileSystem.delete("a/b/c.txt");
    expect(await readdir(basePath)).toEqual([]);
  });

  it("leaves no temporary file behind after a failed write", async () => {
    const fileSystem = new LocalFileSystem({ basePath });
    const failing = (async function* () {
      yield new Uint8Array([1, 2, 3]);
      throw new Error("the producer failed");
    })();
    await expect(fileSystem.writePath("f.bin", failing)).rejects.toThrow("the producer failed");
    expect(await readdir(basePath)).toEqual([]);
  });
});
