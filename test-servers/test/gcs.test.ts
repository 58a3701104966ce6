import { randomBytes } from "node:crypto";
import { type ApiError, Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crc32cBase64, type GcsEmulator, startGcsEmulator } from "../src/index.js";

let emulator: GcsEmulator;
let storage: Storage;
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["emulated"], deniedBuckets: ["forbidden"] });
  storage = new Storage({
    apiEndpoint: emulator.endpoint,
    projectId: "example-project",
    retryOptions: { autoRetry: false },
  });
});
afterAll(async () => {
  await emulator?.stop();
});

function bucket() {
  return storage.bucket("emulated");
}

async function failure(action: () => Promise<unknown>): Promise<ApiError> {
  try {
    await action();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error("expected the call to fail");
}

describe("the GCS emulator, driven by @google-cloud/storage", () => {
  it("stores a resumable save with its generation, md5Hash and crc32c, and serves it back", async () => {
    const content = randomBytes(100_000);
    const file = bucket().file("resumable/one.bin");
    await file.save(content);
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      name: "resumable/one.bin",
      bucket: "emulated",
      size: "100000",
      crc32c: crc32cBase64(content),
    });
    expect(metadata.generation).toMatch(/^\d+$/);
    expect(metadata.md5Hash).toBe(
      (await import("node:crypto")).createHash("md5").update(content).digest("base64"),
    );
    const [downloaded] = await file.download();
    expect(downloaded.equals(content)).toBe(true);
    const post = emulator.requests.find(
      (request) => request.method === "POST" && request.query.get("uploadType") === "resumable",
    );
    expect(post?.status).toBe(200);
  });

  it("answers 308 with the persisted Range to each chunk of a chunked session, then 200 to the last", async () => {
    const content = randomBytes(3 * 256 * 1024 + 1000);
    const before = emulator.requests.length;
    await bucket()
      .file("chunked.bin")
      .save(content, { chunkSize: 256 * 1024 });
    const puts = emulator.requests.slice(before).filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.status)).toEqual([308, 308, 308, 200]);
    const [downloaded] = await bucket().file("chunked.bin").download();
    expect(downloaded.equals(content)).toBe(true);
    expect(emulator.openSessions()).toBe(0);
  });

  it("keeps a cut chunk in whole 256 KiB and reports it to a status query, so the client can resume", async () => {
    const start = await fetch(
      `${emulator.endpoint}/upload/storage/v1/b/emulated/o?uploadType=resumable&name=resumed.bin`,
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
    );
    const session = start.headers.get("location") as string;
    expect(session).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/upload\/storage\/v1\/b\/emulated\/o\?/);
    const content = randomBytes(600 * 1024);
    const first = await fetch(session, {
      method: "PUT",
      headers: { "content-range": `bytes 0-${300 * 1024 - 1}/*` },
      body: content.subarray(0, 300 * 1024),
    });
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe(`bytes=0-${256 * 1024 - 1}`);
    const status = await fetch(session, {
      method: "PUT",
      headers: { "content-range": "bytes */*" },
    });
    expect(status.status).toBe(308);
    expect(status.headers.get("range")).toBe(`bytes=0-${256 * 1024 - 1}`);
    const last = await fetch(session, {
      method: "PUT",
      headers: {
        "content-range": `bytes ${256 * 1024}-${content.length - 1}/${content.length}`,
        "x-goog-hash": `crc32c=${crc32cBase64(content)}`,
      },
      body: content.subarray(256 * 1024),
    });
    expect(last.status).toBe(200);
    expect(((await last.json()) as { size: string }).size).toBe(String(content.length));
    const [downloaded] = await bucket().file("resumed.bin").download();
    expect(downloaded.equals(content)).toBe(true);
  });

  it("stores a multipart upload with its content type and custom metadata", async () => {
    const file = bucket().file("multipart.json");
    await file.save('{"rows":42}', {
      resumable: false,
      contentType: "application/json",
      metadata: { metadata: { origin: "test" } },
    });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      contentType: "application/json",
      metadata: { origin: "test" },
    });
    expect((await file.download())[0].toString()).toBe('{"rows":42}');
  });

  it("serves byte ranges with 206 and refuses a range past the end with 416", async () => {
    const file = bucket().file("ranged.txt");
    await file.save("0123456789", { resumable: false });
    const [middle] = await file.download({ start: 2, end: 5 });
    expect(middle.toString()).toBe("2345");
    const ranged = emulator.requests.filter((request) => request.query.get("alt") === "media");
    expect(ranged.at(-1)?.status).toBe(206);
    const response = await fetch(
      `${emulator.endpoint}/storage/v1/b/emulated/o/ranged.txt?alt=media`,
      {
        headers: { range: "bytes=20-" },
      },
    );
    expect(response.status).toBe(416);
  });

  it("lists with prefix, delimiter and page tokens, counting prefixes in a page", async () => {
    for (const name of [
      "list/a.txt",
      "list/b.txt",
      "list/sub/c.txt",
      "list/sub/d.txt",
      "list/z.txt",
    ]) {
      await bucket().file(name).save(name, { resumable: false });
    }
    const [files, , response] = await bucket().getFiles({
      prefix: "list/",
      delimiter: "/",
      autoPaginate: false,
    });
    expect(files.map((file) => file.name)).toEqual(["list/a.txt", "list/b.txt", "list/z.txt"]);
    expect((response as { prefixes?: string[] }).prefixes).toEqual(["list/sub/"]);
    const names: string[] = [];
    let query: Record<string, unknown> | null = {
      prefix: "list/",
      maxResults: 2,
      autoPaginate: false,
    };
    let pages = 0;
    while (query) {
      const [page, next] = await bucket().getFiles(query);
      names.push(...page.map((file) => file.name));
      query = next as Record<string, unknown> | null;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(names).toEqual([
      "list/a.txt",
      "list/b.txt",
      "list/sub/c.txt",
      "list/sub/d.txt",
      "list/z.txt",
    ]);
  });

  it("deletes with 204 and answers 404 in Google's error JSON for a missing object", async () => {
    const file = bucket().file("deleted.txt");
    await file.save("x", { resumable: false });
    await file.delete();
    expect(emulator.requests.at(-1)).toMatchObject({ method: "DELETE", status: 204 });
    expect((await file.exists())[0]).toBe(false);
    const error = await failure(() => file.delete());
    expect(error.code).toBe(404);
    expect(error.message).toBe("No such object: emulated/deleted.txt");
    const raw = await fetch(`${emulator.endpoint}/storage/v1/b/emulated/o/deleted.txt`);
    expect(await raw.json()).toEqual({
      error: {
        code: 404,
        message: "No such object: emulated/deleted.txt",
        errors: [
          { message: "No such object: emulated/deleted.txt", domain: "global", reason: "notFound" },
        ],
      },
    });
  });

  it("answers 412 when ifGenerationMatch does not hold, and 0 means the object must not exist", async () => {
    const file = bucket().file("guarded.txt");
    await file.save("first", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const created = await failure(() =>
      file.save("again", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    );
    expect(created.code).toBe(412);
    const [metadata] = await file.getMetadata();
    const stale = await failure(() =>
      file.save("stale", {
        preconditionOpts: { ifGenerationMatch: Number(metadata.generation) + 1 },
      }),
    );
    expect(stale.code).toBe(412);
    await file.save("second", {
      preconditionOpts: { ifGenerationMatch: Number(metadata.generation) },
    });
    expect((await file.download())[0].toString()).toBe("second");
    expect(emulator.generations("emulated", "guarded.txt")).toHaveLength(2);
  });

  it("refuses an upload whose crc32c does not match with 400 and keeps the previous object", async () => {
    const file = bucket().file("checked.txt");
    await file.save("original", { resumable: false });
    const error = await failure(() =>
      file.save("replacement", {
        resumable: false,
        validation: false,
        metadata: { crc32c: crc32cBase64(Buffer.from("something else")) },
      }),
    );
    expect(error.code).toBe(400);
    expect(error.message).toContain("CRC32C");
    expect((await file.download())[0].toString()).toBe("original");
  });

  it("copies on the server side with rewrite", async () => {
    const source = bucket().file("copy/source.txt");
    await source.save("copied bytes", { resumable: false });
    await source.copy(bucket().file("copy/destination.txt"));
    expect((await bucket().file("copy/destination.txt").download())[0].toString()).toBe(
      "copied bytes",
    );
  });

  it("answers 404 for a missing bucket and 403 for a denied one", async () => {
    const missing = await failure(() => storage.bucket("absent").file("x").download());
    expect(missing.code).toBe(404);
    expect(missing.message).toContain("The specified bucket does not exist.");
    const denied = await failure(() => storage.bucket("forbidden").file("x").getMetadata());
    expect(denied.code).toBe(403);
  });
});
