import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type ObjectEntry,
  type ObjectListPage,
  ObjectStore,
  type ObjectStoreWire,
  writableContentChunks,
} from "@tessera/core/provider";
import { describeWritableFileSystem } from "@tessera/core/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

/**
 * A second provider, written the way a new integration would write one: only the wire operations,
 * here against a local folder that stands for a bucket (objects are files named by their keys).
 */
class FolderWire implements ObjectStoreWire {
  readonly calls: string[] = [];
  constructor(
    readonly root: string,
    readonly pageSize = 7,
  ) {}

  #file(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  describeLocation(baseFolder: string): string {
    return `folder-bucket://${relative(tmpdir(), this.root)}/${baseFolder}`;
  }

  async readObject(key: string, options: { notFound: (cause: unknown) => Error }) {
    this.calls.push(`read ${key}`);
    const size = await stat(this.#file(key)).then(
      (file) => file.size,
      (error: unknown) => {
        throw options.notFound(error);
      },
    );
    return { body: createReadStream(this.#file(key)), contentLength: size };
  }

  async writeObject(
    key: string,
    content: Parameters<ObjectStoreWire["writeObject"]>[1],
    options: { signal?: AbortSignal; onBytes: (bytes: number) => void },
  ): Promise<void> {
    this.calls.push(`write ${key}`);
    const file = this.#file(key);
    await mkdir(dirname(file), { recursive: true });
    const partial = join(this.root, `.partial-${randomBytes(6).toString("hex")}`);
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of writableContentChunks(content)) {
        options.signal?.throwIfAborted();
        bytes += chunk.byteLength;
        yield chunk;
        options.onBytes(bytes);
      }
    };
    try {
      await pipeline(Readable.from(counted()), createWriteStream(partial));
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw options.signal?.aborted ? options.signal.reason : error;
    }
    options.onBytes(bytes);
  }

  async statObject(key: string): Promise<ObjectEntry | undefined> {
    this.calls.push(`stat ${key}`);
    const file = await stat(this.#file(key)).catch(() => undefined);
    return file?.isFile() ? { key, size: file.size, modifiedAt: file.mtime } : undefined;
  }

  async deleteObject(key: string): Promise<void> {
    this.calls.push(`delete ${key}`);
    await rm(this.#file(key), { force: true });
  }

  async listPage(
    prefix: string,
    options: { delimiter?: "/"; cursor?: string },
  ): Promise<ObjectListPage> {
    this.calls.push(`list ${prefix}`);
    const files = (await readdir(this.root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && !entry.name.startsWith(".partial-"))
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join("/"))
      .filter((key) => key.startsWith(prefix))
      .filter((key) => options.delimiter === undefined || !key.slice(prefix.length).includes("/"))
      .filter(
        (key) =>
          options.cursor === undefined ||
          Buffer.compare(Buffer.from(key), Buffer.from(options.cursor)) > 0,
      )
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const keys = files.slice(0, this.pageSize);
    const entries: ObjectEntry[] = [];
    for (const key of keys) {
      const file = await stat(this.#file(key));
      entries.push({ key, size: file.size, modifiedAt: file.mtime });
    }
    const last = keys.at(-1);
    return files.length > keys.length && last !== undefined
      ? { entries, nextCursor: last }
      : { entries };
  }

  async copyObject(
    source: { wire: ObjectStoreWire; key: string },
    destinationKey: string,
    options: { notFound: (cause: unknown) => Error },
  ): Promise<void> {
    this.calls.push(`copy ${source.key} ${destinationKey}`);
    const from = (source.wire as FolderWire).#file(source.key);
    const to = this.#file(destinationKey);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to).catch((error: unknown) => {
      throw options.notFound(error);
    });
  }
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tessera-object-store-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshStore(baseFolder = "base"): Promise<{ store: ObjectStore; wire: FolderWire }> {
  const bucket = await mkdtemp(join(root, "bucket-"));
  const wire = new FolderWire(bucket);
  return { store: new ObjectStore(wire, baseFolder), wire };
}

describeWritableFileSystem(
  { describe, it, expect, beforeEach, afterEach },
  async () => ({ fileSystem: (await freshStore()).store }),
  { name: "ObjectStore over a provider's wire operations", listPageSize: 7 },
);

describe("ObjectStore: what a provider gets from its wire operations alone", () => {
  it("uploads a local folder and downloads it back, every file whole, under the base folder", async () => {
    const { store, wire } = await freshStore("team");
    const local = await mkdtemp(join(root, "local-"));
    await mkdir(join(local, "2024", "q1"), { recursive: true });
    await writeFile(join(local, "a.json"), "{}");
    await writeFile(join(local, "2024", "q1", "b.csv"), "x,y\n1,2\n");
    const written = await store.uploadFromFolder(local, "reports", { concurrency: 2 });
    expect(written).toEqual(["reports/2024/q1/b.csv", "reports/a.json"]);
    expect(wire.calls).toContain("write team/reports/a.json");

    const target = await mkdtemp(join(root, "download-"));
    const downloaded = await store.downloadFolderToPath("reports", target);
    expect(downloaded).toEqual([join(target, "2024", "q1", "b.csv"), join(target, "a.json")]);
    expect(await readFile(join(target, "2024", "q1", "b.csv"), "utf8")).toBe("x,y\n1,2\n");
    expect((await readdir(target)).filter((name) => name.includes(".partial"))).toEqual([]);
  });

  it("lists only a folder's direct objects with a delimiter, and stops at maxItems", async () => {
    const { store } = await freshStore();
    for (const path of ["r/a", "r/b", "r/sub/c", "r-old/d"]) await store.writePath(path, path);
    expect((await store.listObjects("r", { delimiter: "/" })).map((entry) => entry.path)).toEqual([
      "r/a",
      "r/b",
    ]);
    expect((await store.listObjects("r")).map((entry) => entry.path)).toEqual([
      "r/a",
      "r/b",
      "r/sub/c",
    ]);
    expect(await store.listObjects("", { maxItems: 2 })).toHaveLength(2);
  });

  it("copies and moves between two stores through the destination's wire, deleting the source only on a move", async () => {
    const { store: source } = await freshStore("from");
    const { store: destination, wire } = await freshStore("to");
    await source.writePath("x.txt", "payload");
    expect(await source.copyObject("x.txt", "copy.txt", destination)).toBe("copy.txt");
    expect(wire.calls).toContain("copy from/x.txt to/copy.txt");
    expect(await source.exists("x.txt")).toBe(true);
    expect(await source.moveObject("x.txt", "moved.txt", destination)).toBe("moved.txt");
    expect(await source.exists("x.txt")).toBe(false);
    expect(Buffer.from(await destination.readPath("moved.txt")).toString()).toBe("payload");
  });

  it("keeps an object moved onto itself", async () => {
    const { store } = await freshStore();
    await store.writePath("same.txt", "kept");
    await store.moveObject("same.txt", "same.txt");
    expect(Buffer.from(await store.readPath("same.txt")).toString()).toBe("kept");
  });

  it("names the path and the store's location when a copied object is missing", async () => {
    const { store } = await freshStore("base");
    const error = await store
      .copyObject("missing.txt", "to.txt")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "FILE_NOT_FOUND", path: "missing.txt" });
    expect((error as { location: string }).location).toMatch(/^folder-bucket:\/\/.*\/base$/);
  });

  it("streams a file from another file system and downloads to a local path atomically", async () => {
    const { store: source } = await freshStore();
    const { store } = await freshStore();
    await source.writePath("in.bin", Buffer.alloc(3000, 7));
    expect(await store.streamFrom(source, "in.bin", "out.bin")).toBe("out.bin");
    const local = join(await mkdtemp(join(root, "one-")), "out.bin");
    await store.downloadToPath("out.bin", local);
    expect(await readFile(local)).toEqual(Buffer.alloc(3000, 7));
  });
});
