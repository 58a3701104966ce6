import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  emulatorCredentials,
  errorOf,
  freshFolder,
  type S3Server,
  startS3Server,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";

let server: S3Server;
let scratch: string;
let harness: TestHarness;
beforeAll(async () => {
  server = await startS3Server({ buckets: ["main-bucket", "archive-bucket"] });
  scratch = await mkdtemp(join(tmpdir(), "tessera-aws-conveniences-"));
});
afterAll(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

function bucket(bucketName = "main-bucket", bucketFolder = freshFolder()) {
  return new S3Bucket({
    bucketName,
    bucketFolder,
    credentials: emulatorCredentials(server.endpoint),
  });
}

describe("S3Bucket.copyObject and moveObject destinations", () => {
  it("copies into a bucket given by name, with this bucket's credentials, at its root", async () => {
    const source = bucket();
    await source.writePath("report.csv", "a,b\n");
    const copied = await source.copyObject("report.csv", "by-name/report.csv", {
      toBucket: "archive-bucket",
    });
    expect(copied).toBe("by-name/report.csv");
    const archive = bucket("archive-bucket", "");
    expect(Buffer.from(await archive.readPath("by-name/report.csv")).toString()).toBe("a,b\n");
    expect(await source.exists("report.csv")).toBe(true);
  });

  it("moves into a saved bucket given by its slug, under that bucket's folder", async () => {
    await bucket("archive-bucket", "saved-folder").save("archive");
    const source = bucket();
    await source.writePath("old.txt", "moved by slug");
    expect(await source.moveObject("old.txt", "new.txt", { toBucket: "s3-bucket/archive" })).toBe(
      "new.txt",
    );
    expect(await source.exists("old.txt")).toBe(false);
    const archive = bucket("archive-bucket", "saved-folder");
    expect(Buffer.from(await archive.readPath("new.txt")).toString()).toBe("moved by slug");
  });

  it("refuses a slug of another block type, naming the accepted forms", async () => {
    const source = bucket();
    await source.writePath("x.txt", "x");
    const error = await errorOf(() =>
      source.copyObject("x.txt", "y.txt", { toBucket: "aws-credentials/prod" }),
    );
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.message).toContain('"aws-credentials/prod" is not an s3-bucket slug');
  });
});

describe("S3Bucket.downloadToPath without a local path", () => {
  it("writes the object under its own name in the working folder", async () => {
    const remote = bucket();
    await remote.writePath("reports/daily.json", '{"ok":true}');
    const workingFolder = await mkdtemp(join(scratch, "cwd-"));
    const before = process.cwd();
    process.chdir(workingFolder);
    try {
      const written = await remote.downloadToPath("reports/daily.json");
      expect(written).toBe(join(workingFolder, "daily.json"));
      expect(await readFile(join(workingFolder, "daily.json"), "utf8")).toBe('{"ok":true}');
    } finally {
      process.chdir(before);
    }
  });
});

describe("S3Bucket.uploadFromFolder ignore patterns", () => {
  it("leaves out what the ignore option and the folder's .tesseraignore match, in gitignore syntax", async () => {
    const source = await mkdtemp(join(scratch, "ignored-"));
    const files = [
      "keep.txt",
      "debug.log",
      "important.log",
      "build/out.js",
      "src/app.ts",
      "src/cache/tmp.bin",
      "notes/draft.md",
    ];
    for (const file of files) {
      await mkdir(join(source, file, ".."), { recursive: true });
      await writeFile(join(source, file), file);
    }
    await writeFile(join(source, ".tesseraignore"), "# local only\nbuild/\ncache/\n");
    const remote = bucket();
    const uploaded = await remote.uploadFromFolder(source, "up", {
      ignore: ["*.log", "!important.log", "notes/"],
    });
    expect(uploaded).toEqual(["up/important.log", "up/keep.txt", "up/src/app.ts"]);
    expect((await remote.listObjects("up")).map((entry) => entry.path)).toEqual(uploaded);
  });

  it("uploads everything when there are no patterns and no .tesseraignore", async () => {
    const source = await mkdtemp(join(scratch, "plain-"));
    await writeFile(join(source, "a.log"), "a");
    await writeFile(join(source, ".hidden"), "h");
    expect(await bucket().uploadFromFolder(source)).toEqual([".hidden", "a.log"]);
  });
});
