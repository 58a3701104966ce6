import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { LocalFileSystem, TesseraError, type TransferProgress } from "@tessera/core";
import {
  emulatorCredentials,
  errorOf,
  freshFolder,
  type S3Server,
  startFaultProxy,
  startS3Server,
  thrownBy,
} from "@tessera/test-servers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";

let server: S3Server;
let scratch: string;
beforeAll(async () => {
  server = await startS3Server({ buckets: ["main-bucket", "other-bucket"] });
  scratch = await mkdtemp(join(tmpdir(), "tessera-aws-files-"));
});
afterAll(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

function bucket(bucketName = "main-bucket", bucketFolder = freshFolder()) {
  return new S3Bucket({
    bucketName,
    bucketFolder,
    credentials: emulatorCredentials(server.endpoint),
    partSizeBytes: 5 << 20,
  });
}

function megabytes(count: number, fill = 7): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.alloc(1 << 20, (fill + index) % 256));
}

function sha256(buffers: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const buffer of buffers) hash.update(buffer);
  return hash.digest("hex");
}

describe("S3Bucket file helpers", () => {
  it("uploads a local file and downloads it to another path, byte for byte", async () => {
    const source = join(scratch, "source.bin");
    const content = Buffer.concat(megabytes(12));
    await writeFile(source, content);
    const files = bucket();
    expect(await files.uploadFromPath(source)).toBe("source.bin");
    expect(await files.uploadFromPath(source, "copies/named.bin")).toBe("copies/named.bin");
    const target = join(scratch, "downloaded.bin");
    expect(await files.downloadToPath("copies/named.bin", target)).toBe(target);
    expect((await readFile(target)).equals(content)).toBe(true);
  });

  it("leaves no file behind when a download fails", async () => {
    const target = join(scratch, "never.bin");
    const error = await errorOf(() => bucket().downloadToPath("missing.bin", target));
    expect(error.code).toBe("FILE_NOT_FOUND");
    await expect(readFile(target)).rejects.toThrow(/ENOENT/);
  });

  it("copies and moves objects inside a bucket and into another bucket's folder", async () => {
    const source = bucket();
    await source.writePath("a/original.txt", "payload");
    expect(await source.copyObject("a/original.txt", "b/copy.txt")).toBe("b/copy.txt");
    expect(Buffer.from(await source.readPath("b/copy.txt")).toString()).toBe("payload");
    expect(await source.exists("a/original.txt")).toBe(true);

    const destination = bucket("other-bucket", "archive/2026");
    expect(await source.moveObject("a/original.txt", "moved.txt", { toBucket: destination })).toBe(
      "moved.txt",
    );
    expect(await source.exists("a/original.txt")).toBe(false);
    expect(Buffer.from(await destination.readPath("moved.txt")).toString()).toBe("payload");
    expect(destination.objectKey("moved.txt")).toBe("archive/2026/moved.txt");

    const missing = await errorOf(() => source.copyObject("nothing.txt", "x.txt"));
    expect(missing.code).toBe("FILE_NOT_FOUND");
  });

  it("copies and moves keys holding spaces, plus signs, percent signs, ? and # and non-ASCII letters", async () => {
    const files = bucket();
    for (const key of ["a b/ü+x.txt", "100%/x?y#z.txt", "é/∑ ∞.bin"]) {
      await files.writePath(key, key);
      expect(await files.copyObject(key, `copied/${key}`)).toBe(`copied/${key}`);
      expect(await files.moveObject(`copied/${key}`, `moved/${key}`)).toBe(`moved/${key}`);
      expect(Buffer.from(await files.readPath(`moved/${key}`)).toString()).toBe(key);
      expect(await files.exists(`copied/${key}`)).toBe(false);
    }
  });

  it("streams a file in from another bucket's folder and from a local folder", async () => {
    const source = bucket("other-bucket");
    const content = Buffer.concat(megabytes(7, 5));
    await source.writePath("exports/data.bin", content);
    const target = bucket();
    expect(await target.streamFrom(source, "exports/data.bin")).toBe("exports/data.bin");
    expect(Buffer.from(await target.readPath("exports/data.bin")).equals(content)).toBe(true);

    const local = new LocalFileSystem({ basePath: join(scratch, "stream-from") });
    await local.writePath("notes/today.txt", "from disk");
    expect(await target.streamFrom(local, "notes/today.txt", "/imported/today.txt")).toBe(
      "imported/today.txt",
    );
    expect(Buffer.from(await target.readPath("imported/today.txt")).toString()).toBe("from disk");
    const missing = await errorOf(() => target.streamFrom(local, "nothing.txt"));
    expect(missing.code).toBe("FILE_NOT_FOUND");
    expect(await target.exists("nothing.txt")).toBe(false);
  });

  it("lists objects under a folder, up to a maximum", async () => {
    const files = bucket();
    for (const name of ["r/1.txt", "r/2.txt", "r/3.txt", "s/4.txt"]) {
      await files.writePath(name, name);
    }
    expect((await files.listObjects("r/")).map((entry) => entry.path)).toEqual([
      "r/1.txt",
      "r/2.txt",
      "r/3.txt",
    ]);
    expect((await files.listObjects("", { maxItems: 2 })).map((entry) => entry.path)).toEqual([
      "r/1.txt",
      "r/2.txt",
    ]);
  });

  it("lists a folder by its name, never a sibling that shares the prefix, and only its direct objects with a delimiter", async () => {
    const files = bucket();
    for (const name of ["r/1.txt", "r/deep/2.txt", "r-old/3.txt", "top.txt"]) {
      await files.writePath(name, name);
    }
    const paths = async (folder: string, delimiter?: "/") =>
      (await files.listObjects(folder, delimiter ? { delimiter } : {})).map((entry) => entry.path);
    expect(await paths("r")).toEqual(["r/1.txt", "r/deep/2.txt"]);
    expect(await paths("/r/")).toEqual(["r/1.txt", "r/deep/2.txt"]);
    expect(await paths("r", "/")).toEqual(["r/1.txt"]);
    expect(await paths("", "/")).toEqual(["top.txt"]);
    expect(await paths("")).toEqual(["r-old/3.txt", "r/1.txt", "r/deep/2.txt", "top.txt"]);
    const outside = await errorOf(() => files.listObjects("../x"));
    expect(outside.code).toBe("PATH_OUTSIDE_BASE");
  });

  it("uploads a local folder tree and downloads a bucket folder back into another, file for file", async () => {
    const source = join(scratch, "tree");
    const files: Record<string, Buffer> = {
      "a.txt": Buffer.from("alpha"),
      "nested/b.bin": Buffer.concat(megabytes(6, 3)),
      "nested/deeper/c.json": Buffer.from('{"c":1}'),
    };
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(source, name, ".."), { recursive: true });
      await writeFile(join(source, name), content);
    }
    const remote = bucket();
    expect(await remote.uploadFromFolder(source, "/upload/", { concurrency: 2 })).toEqual([
      "upload/a.txt",
      "upload/nested/b.bin",
      "upload/nested/deeper/c.json",
    ]);
    await remote.writePath("upload-other/x.txt", "not in the folder");

    const target = join(scratch, "tree-copy");
    const written = await remote.downloadFolderToPath("upload", target);
    expect(written).toEqual(
      Object.keys(files)
        .map((name) => join(target, name))
        .sort(),
    );
    for (const [name, content] of Object.entries(files)) {
      expect((await readFile(join(target, name))).equals(content)).toBe(true);
    }
    expect(await readdir(target, { recursive: true })).not.toContain("x.txt");
    expect((await readdir(target)).filter((name) => name.includes(".partial"))).toEqual([]);
  });
});

describe("S3Bucket uploads from a local path that is not there", () => {
  it("fails with FILE_NOT_FOUND naming the local file or folder, and uploads nothing", async () => {
    const remote = bucket();
    const missing = join(scratch, "no-such-file.bin");
    const missingFolder = join(scratch, "no-such-folder");
    for (const attempt of [
      () => remote.uploadFromPath(missing, "never/file.bin"),
      () => remote.uploadFromFolder(missingFolder, "never"),
    ]) {
      const error = await errorOf(attempt);
      expect(error.code).toBe("FILE_NOT_FOUND");
      expect(error.message).toMatch(/no-such-(file\.bin|folder)" in the local file system/);
    }
    expect(await remote.exists("never/file.bin")).toBe(false);
  });
});

describe("S3Bucket credentials", () => {
  it("signs with the SDK's default provider chain when the block holds no keys", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    try {
      const withoutKeys: Record<string, unknown> = { ...emulatorCredentials(server.endpoint) };
      delete withoutKeys.accessKeyId;
      delete withoutKeys.secretAccessKey;
      const files = new S3Bucket({
        bucketName: "main-bucket",
        bucketFolder: freshFolder("default-chain"),
        credentials: withoutKeys,
      });
      await files.writePath("signed.txt", "by the environment");
      expect(Buffer.from(await files.readPath("signed.txt")).toString()).toBe("by the environment");
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.key === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.key;
    }
  });
});

describe("S3Bucket multipart uploads", () => {
  it("uploads a stream larger than a part in parts, reporting progress up to its size", async () => {
    const files = bucket();
    const chunks = megabytes(17);
    const progress: TransferProgress[] = [];
    await files.writePath("multi.bin", Readable.from(chunks), {
      onProgress: (update) => progress.push({ ...update }),
    });
    const read = Buffer.from(await files.readPath("multi.bin"));
    expect(sha256([read])).toBe(sha256(chunks));
    const bytes = progress.map((update) => update.bytes);
    expect(bytes.length).toBeGreaterThanOrEqual(4);
    expect(bytes.every((value, index) => index === 0 || value >= bytes[index - 1]!)).toBe(true);
    expect(bytes.at(-1)).toBe(17 << 20);
    expect(await server.openUploads("main-bucket")).toEqual([]);
  });

  it("stores a stream that fits in one part with one PutObject, and only a larger one in parts", async () => {
    const proxy = await startFaultProxy(server.endpoint);
    try {
      const files = new S3Bucket({
        bucketName: "main-bucket",
        bucketFolder: freshFolder("requests"),
        credentials: emulatorCredentials(proxy.endpoint),
        partSizeBytes: 5 << 20,
      });
      const requestsFor = async (chunks: Buffer[]) => {
        proxy.reset();
        await files.writePath("shape.bin", Readable.from(chunks));
        const read = Buffer.from(await files.readPath("shape.bin"));
        expect(sha256([read])).toBe(sha256(chunks));
        return proxy.requests
          .filter((request) => request.method !== "GET")
          .map((request) =>
            request.query.has("uploads")
              ? "create"
              : request.query.has("partNumber")
                ? "part"
                : request.query.has("uploadId")
                  ? "complete"
                  : request.method,
          );
      };
      expect(await requestsFor([Buffer.from("small")])).toEqual(["PUT"]);
      expect(await requestsFor(megabytes(5))).toEqual(["PUT"]);
      expect(await requestsFor(megabytes(6))).toEqual(["create", "part", "part", "complete"]);
    } finally {
      await proxy.stop();
    }
  });

  it("aborts a multipart upload cancelled half-way: the old object stays and no upload is open", async () => {
    const files = bucket();
    await files.writePath("kept.bin", "old");
    const controller = new AbortController();
    const error = await thrownBy(() =>
      files.writePath(
        "kept.bin",
        (async function* () {
          for (const [index, chunk] of megabytes(16).entries()) {
            if (index === 12) controller.abort();
            await nextTurn();
            yield chunk;
          }
        })(),
        { signal: controller.signal },
      ),
    );
    expect(error).toBe(controller.signal.reason);
    expect(Buffer.from(await files.readPath("kept.bin")).toString()).toBe("old");
    expect(await server.openUploads("main-bucket")).toEqual([]);
  });
});

describe("S3Bucket keys", () => {
  it("treats folder spellings alike and a path as always relative to the folder, so a returned key round-trips", async () => {
    const table: [folder: string, path: string, objectKey: string][] = [
      ["/x/", "/a", "x/a"],
      ["x", "/a", "x/a"],
      ["x//", "./a", "x/a"],
      ["/x/", "x/a", "x/x/a"],
      ["", "/a", "a"],
      ["", "x/a", "x/a"],
      ["/", "a//b/", "a/b"],
    ];
    for (const [folder, path, objectKey] of table) {
      expect(
        new S3Bucket({ bucketName: "main-bucket", bucketFolder: folder }).objectKey(path),
      ).toBe(objectKey);
    }
    const folder = freshFolder("spelling");
    const files = bucket("main-bucket", `/${folder}/`);
    const key = await files.writePath(`/${folder}/a`, "nested once");
    expect(key).toBe(`${folder}/a`);
    expect(Buffer.from(await files.readPath(key)).toString()).toBe("nested once");
    await files.writePath(key, "overwritten through the returned key");
    const listed = await bucket("main-bucket", "").listObjects(folder);
    expect(listed.map((entry) => entry.path)).toEqual([`${folder}/${folder}/a`]);
  });

  it("joins the bucket folder exactly once, for any path it accepts", () => {
    const folderSegment = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
    const pathSegment = fc.oneof(
      fc.stringMatching(/^[a-zA-Z0-9._ -]{0,8}$/),
      fc.constantFrom(".", "..", "", "%2e%2e", "a\\b", "\u0000"),
    );
    fc.assert(
      fc.property(
        fc.array(folderSegment, { minLength: 0, maxLength: 3 }),
        fc.array(pathSegment, { minLength: 0, maxLength: 5 }),
        fc.boolean(),
        (folderParts, pathParts, leadingSlash) => {
          const folder = folderParts.join("/");
          const files = new S3Bucket({ bucketName: "main-bucket", bucketFolder: folder });
          const path = `${leadingSlash ? "/" : ""}${pathParts.join("/")}`;
          let key: string;
          try {
            key = files.objectKey(path);
          } catch (error) {
            expect(TesseraError.isInstance(error) && error.code).toBe("PATH_OUTSIDE_BASE");
            return;
          }
          const prefix = folder === "" ? "" : `${folder}/`;
          expect(key.startsWith(prefix)).toBe(true);
          const relative = key.slice(prefix.length);
          expect(relative.length).toBeGreaterThan(0);
          expect(relative.split("/")).not.toContain("..");
          // The relative key is a fixed point: using it again names the same object.
          expect(files.objectKey(relative)).toBe(key);
        },
      ),
      { numRuns: 500 },
    );
  });
});
