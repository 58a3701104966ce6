import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TesseraError } from "../src/errors/index.js";
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

async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

describe("LocalFileSystem with random paths", () => {
  it("never writes outside its base folder and never fails with anything but a Tessera error or a name too long", async () => {
    const root = await mkdtemp(join(tmpdir(), "tessera-local-fs-property-"));
    const basePath = join(root, "base");
    await mkdir(basePath);
    const fileSystem = new LocalFileSystem({ basePath });
    const segment = fc.oneof(
      fc.constantFrom(
        "",
        ".",
        "..",
        "...",
        "%2e%2e",
        "%2E.",
        "a",
        "b",
        "\\",
        "\u0000",
        "~",
        "base",
      ),
      fc.string({
        unit: fc.constantFrom("a", ".", "/", "\\", "%", "2", "e", "\u0000", "\u0001", "é"),
      }),
    );
    const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/"));
    try {
      await fc.assert(
        fc.asyncProperty(path, async (candidate) => {
          try {
            const key = await fileSystem.writePath(candidate, "x");
            expect(await fileSystem.exists(key)).toBe(true);
          } catch (error) {
            const known =
              TesseraError.isInstance(error) ||
              ["ENAMETOOLONG"].includes((error as { code?: string }).code ?? "");
            expect(known).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
      expect((await readdir(root)).sort()).toEqual(["base"]);
      const outside = (await filesUnder(root)).filter((file) => !file.startsWith(basePath + "/"));
      expect(outside).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("LocalFileSystem reads", () => {
  it("stops a streamed read when its signal aborts", async () => {
    const basePath = await mkdtemp(join(tmpdir(), "tessera-local-fs-"));
    try {
      const fileSystem = new LocalFileSystem({ basePath });
      await fileSystem.writePath("big.bin", new Uint8Array(8 << 20));
      const controller = new AbortController();
      const stream = await fileSystem.createReadStream("big.bin", {
        signal: controller.signal,
        onProgress: () => {},
      });
      let received = 0;
      const reading = (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          controller.abort();
        }
      })();
      await expect(reading).rejects.toMatchObject({ name: "AbortError" });
      expect(received).toBeLessThan(8 << 20);
      const early = new AbortController();
      early.abort();
      await expect(fileSystem.readPath("big.bin", { signal: early.signal })).rejects.toMatchObject({
        name: "AbortError",
      });
    } finally {
      await rm(basePath, { recursive: true, force: true });
    }
  });
});

describe("LocalFileSystem writes", () => {
  it("refuses a file where a folder is, or a folder where a file is, with PATH_CONFLICT naming the path", async () => {
    const basePath = await mkdtemp(join(tmpdir(), "tessera-local-fs-conflict-"));
    try {
      const fileSystem = new LocalFileSystem({ basePath });
      await fileSystem.writePath("reports/2024.json", "{}");
      await fileSystem.writePath("notes", "a file");
      for (const [path, reason] of [
        ["reports", "a folder of that name is there"],
        ["notes/today.txt", "a file is where one of its folders would be"],
      ] as const) {
        let thrown: unknown;
        try {
          await fileSystem.writePath(path, "x");
        } catch (error) {
          thrown = error;
        }
        expect(TesseraError.isInstance(thrown) && thrown.code).toBe("PATH_CONFLICT");
        expect((thrown as Error).message).toContain(`"${path}"`);
        expect((thrown as Error).message).toContain(reason);
      }
      expect(Buffer.from(await fileSystem.readPath("notes")).toString()).toBe("a file");
      expect((await readdir(join(basePath, "reports"))).sort()).toEqual(["2024.json"]);
      const onAFile = new LocalFileSystem({ basePath: join(basePath, "notes") });
      await expect(onAFile.writePath("x", "y")).rejects.toMatchObject({ code: "PATH_CONFLICT" });
    } finally {
      await rm(basePath, { recursive: true, force: true });
    }
  });

  it("writes a file whose name is as long as the file system allows", async () => {
    const basePath = await mkdtemp(join(tmpdir(), "tessera-local-fs-"));
    try {
      const fileSystem = new LocalFileSystem({ basePath });
      const name = `${"n".repeat(250)}.bin`;
      await fileSystem.writePath(`long/${name}`, "long");
      expect(Buffer.from(await fileSystem.readPath(`long/${name}`)).toString()).toBe("long");
    } finally {
      await rm(basePath, { recursive: true, force: true });
    }
  });

  it("refuses to follow a symbolic link out of its base folder, and works through a linked base", async () => {
    const root = await mkdtemp(join(tmpdir(), "tessera-local-fs-links-"));
    try {
      const basePath = join(root, "base");
      const outside = join(root, "outside");
      await mkdir(basePath);
      await mkdir(outside);
      await writeFile(join(outside, "secret.txt"), "outside");
      await symlink(outside, join(basePath, "link"));
      const fileSystem = new LocalFileSystem({ basePath });
      for (const action of [
        () => fileSystem.writePath("link/new.txt", "escaped"),
        () => fileSystem.writePath("link/deeper/new.txt", "escaped"),
        () => fileSystem.readPath("link/secret.txt"),
        () => fileSystem.createReadStream("link/secret.txt"),
      ]) {
        await expect(action()).rejects.toMatchObject({ code: "PATH_OUTSIDE_BASE" });
      }
      expect((await readdir(outside)).sort()).toEqual(["secret.txt"]);
      await symlink(basePath, join(root, "linked-base"));
      const linked = new LocalFileSystem({ basePath: join(root, "linked-base") });
      await linked.writePath("through/link.txt", "fine");
      expect(Buffer.from(await fileSystem.readPath("through/link.txt")).toString()).toBe("fine");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
