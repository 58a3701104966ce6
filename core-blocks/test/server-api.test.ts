import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
let adminToken: string;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-server-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  adminToken = (await createApiToken(store, { name: "tests", scope: "admin" })).token;
  server = await createServer({ store });
  url = await server.listen();
});
afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

function body(name: string, overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    data: { name },
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
    ...overrides,
  };
}

/** The parts of a JSON answer these tests read. */
interface Answer {
  error: { code: string; message: string; [field: string]: unknown };
  items: Array<Record<string, unknown>>;
  data: unknown;
  id: string;
  [field: string]: unknown;
}

async function call(
  method: string,
  path: string,
  options: {
    json?: unknown;
    headers?: Record<string, string>;
    raw?: string;
    /** The API token to send; `null` sends none. @default the admin token */
    token?: string | null;
  } = {},
) {
  const token = options.token === undefined ? adminToken : options.token;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.json !== undefined || options.raw !== undefined
        ? { "content-type": "application/json" }
        : {}),
      ...options.headers,
    },
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
    ...(options.raw !== undefined ? { body: options.raw } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    json: text ? (JSON.parse(text) as Answer) : undefined,
  };
}

describe("tessera server: documents", () => {
  it("answers every document with its revision as ETag, and refuses a stale If-Match with 409 naming both revisions", async () => {
    const created = await call("PUT", "/v1/documents/bucket/results", { json: body("results") });
    expect(created.status).toBe(201);
    expect(created.etag).toBe('"1"');
    const updated = await call("PUT", "/v1/documents/bucket/results", {
      json: body("results", { data: { v: 2 } }),
      headers: { "if-match": '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.etag).toBe('"2"');

    const stale = await call("PUT", "/v1/documents/bucket/results", {
      json: body("results", { data: { v: 3 } }),
      headers: { "if-match": '"1"' },
    });
    expect(stale.status).toBe(409);
    expect(stale.json?.error).toMatchObject({
      code: "REVISION_CONFLICT",
      slug: "bucket/results",
      expectedRevision: 1,
      actualRevision: 2,
    });
    expect(stale.json?.error.message).toContain("revision 1");
    expect(stale.json?.error.message).toContain("revision 2");

    const loaded = await call("GET", "/v1/documents/bucket/results");
    expect(loaded.etag).toBe('"2"');
    expect(loaded.json?.data).toEqual({ v: 2 });
    const byId = await call("GET", `/v1/document-ids/${loaded.json?.id}?revision=1`);
    expect(byId.etag).toBe('"1"');
    expect(byId.json?.data).toEqual({ name: "results" });
    const history = await call("GET", "/v1/documents/bucket/results/history");
    expect(history.json?.items.map((item) => item.revision)).toEqual([2, 1]);
  });

  it("creates only with If-None-Match: *, and needs overwrite or If-Match to replace", async () => {
    const first = await call("PUT", "/v1/documents/bucket/once", {
      json: body("once"),
      headers: { "if-none-match": "*" },
    });
    expect(first.status).toBe(201);
    const again = await call("PUT", "/v1/documents/bucket/once", {
      json: body("once"),
      headers: { "if-none-match": "*" },
    });
    expect(again.status).toBe(409);
    expect(again.json?.error).toMatchObject({ code: "REVISION_CONFLICT", actualRevision: 1 });
    const unconditional = await call("PUT", "/v1/documents/bucket/once", { json: body("once") });
    expect(unconditional.status).toBe(409);
    expect(unconditional.json?.error.code).toBe("BLOCK_EXISTS");
    const overwrite = await call("PUT", "/v1/documents/bucket/once", {
      json: body("once", { overwrite: true }),
    });
    expect(overwrite.etag).toBe('"2"');
  });

  it("renames and rolls back under If-Match, keeping the id", async () => {
    const created = await call("PUT", "/v1/documents/bucket/old", { json: body("old") });
    await call("PUT", "/v1/documents/bucket/old", {
      json: body("old", { data: { v: 2 } }),
      headers: { "if-match": '"1"' },
    });
    const stale = await call("POST", "/v1/documents/bucket/old/rename", {
      json: { name: "new" },
      headers: { "if-match": '"1"' },
    });
    expect(stale.status).toBe(409);
    const renamed = await call("POST", "/v1/documents/bucket/old/rename", {
      json: { name: "new" },
      headers: { "if-match": '"2"' },
    });
    expect(renamed.json).toMatchObject({ id: created.json?.id, name: "new", revision: 3 });
    const rolledBack = await call("POST", `/v1/document-ids/${created.json?.id}/rollback`, {
      json: { revision: 1 },
    });
    expect(rolledBack.etag).toBe('"4"');
    expect(rolledBack.json?.data).toEqual({ name: "old" });
    expect((await call("GET", "/v1/documents/bucket/old")).status).toBe(404);
  });

  it("refuses to delete a referenced document with 409 naming the referrers, and deletes it with force", async () => {
    const child = await call("PUT", "/v1/documents/aws-credentials/prod", { json: body("prod") });
    await call("PUT", "/v1/documents/bucket/results", {
      json: body("results", { references: [child.json?.id] }),
    });
    const refused = await call("DELETE", "/v1/documents/aws-credentials/prod");
    expect(refused.status).toBe(409);
    expect(refused.json?.error).toMatchObject({
      code: "BLOCK_REFERENCED",
      referrers: ["bucket/results"],
    });
    const referrers = await call("GET", `/v1/document-ids/${child.json?.id}/referrers`);
    expect(referrers.json?.items.map((item) => item.name)).toEqual(["results"]);
    expect((await call("DELETE", "/v1/documents/aws-credentials/prod?force=true")).status).toBe(
      204,
    );
    const gone = await call("DELETE", "/v1/documents/aws-credentials/prod");
    expect(gone.status).toBe(404);
    expect(gone.json?.error.code).toBe("BLOCK_NOT_FOUND");
  });

  it("answers 404 BLOCK_NOT_FOUND for a missing document and 400 INVALID_INPUT for a malformed request", async () => {
    const missing = await call("GET", "/v1/documents/bucket/nowhere");
    expect(missing.status).toBe(404);
    expect(missing.json?.error).toMatchObject({ code: "BLOCK_NOT_FOUND", slug: "bucket/nowhere" });
    const noData = await call("PUT", "/v1/documents/bucket/bad", {
      json: { ...body("bad"), data: undefined },
    });
    expect(noData.status).toBe(400);
    expect(noData.json?.error.code).toBe("INVALID_INPUT");
    const notJson = await call("PUT", "/v1/documents/bucket/bad", { raw: "{not json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json?.error.code).toBe("INVALID_INPUT");
    const badIfMatch = await call("PUT", "/v1/documents/bucket/bad", {
      json: body("bad"),
      headers: { "if-match": "yesterday" },
    });
    expect(badIfMatch.status).toBe(400);
    expect(await store.get({ type: "bucket", name: "bad" })).toBe(undefined);
  });

  it("refuses a document over the store's limit with DOCUMENT_TOO_LARGE and a body over the server's limit with 413", async () => {
    const limit = store.limits.maxDocumentBytes;
    const overDocument = await call("PUT", "/v1/documents/bucket/big", {
      json: body("big", { data: { blob: "x".repeat(limit) } }),
    });
    expect(overDocument.status).toBe(413);
    expect(overDocument.json?.error).toMatchObject({ code: "DOCUMENT_TOO_LARGE", limit });
    const overBody = await call("PUT", "/v1/documents/bucket/big", {
      json: body("big", { data: { blob: "x".repeat(limit + 512 * 1024) } }),
    });
    expect(overBody.status).toBe(413);
    expect(overBody.json?.error.code).toBe("REQUEST_TOO_LARGE");
    expect(await store.get({ type: "bucket", name: "big" })).toBe(undefined);
  });

  it("keeps __proto__ and constructor keys of a document as plain data", async () => {
    const raw = `{"id":"${randomUUID()}","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}},"schemaChecksum":"sha256:0","schemaVersion":"1.0.0","references":[],"dataKey":null}`;
    expect((await call("PUT", "/v1/documents/bucket/proto", { raw })).status).toBe(201);
    const loaded = await store.get({ type: "bucket", name: "proto" });
    expect(Object.hasOwn(loaded?.data ?? {}, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBe(undefined);
  });
});

describe("tessera server: block types, keys and health", () => {
  it("records block types with their JSON Schemas and answers an unknown one with 404", async () => {
    const record = {
      type: "webhook",
      title: "Webhook",
      description: "An HTTP endpoint.",
      capabilities: ["notify"],
      schemaVersion: "1.0.0",
      checksum: `sha256:${"1".repeat(64)}`,
      jsonSchema: {
        type: "object",
        properties: { url: { type: "string" }, token: { type: "string", writeOnly: true } },
      },
      secretFields: ["token"],
      registeredAt: new Date(0).toISOString(),
    };
    expect((await call("PUT", "/v1/block-types/webhook", { json: record })).status).toBe(204);
    expect((await call("GET", "/v1/block-types/webhook")).json).toEqual(record);
    expect((await call("GET", "/v1/block-types")).json?.items).toEqual([record]);
    const unknown = await call("GET", "/v1/block-types/nothing");
    expect(unknown.status).toBe(404);
    expect(unknown.json?.error.code).toBe("UNKNOWN_BLOCK_TYPE");
  });

  it("records master keys and replaces wrapped data keys only while they match", async () => {
    const old = { masterKeyId: "key-a", wrapped: "wrapped-a" };
    const created = await call("PUT", "/v1/documents/secret/token", {
      json: body("token", { dataKey: old }),
    });
    expect(
      (
        await call("PUT", "/v1/master-keys/current", {
          json: { id: "key-b", expectedCurrent: null },
        })
      ).json,
    ).toEqual({ changed: true });
    const keys = await call("GET", "/v1/master-keys");
    expect(keys.json?.items.map((key) => [key.id, key.current])).toEqual([
      ["key-a", false],
      ["key-b", true],
    ]);
    const pending = await call("GET", "/v1/data-keys?notMasterKeyId=key-b");
    expect(pending.json?.items).toEqual([{ id: created.json?.id, dataKey: old }]);
    const next = { masterKeyId: "key-b", wrapped: "wrapped-b" };
    const path = `/v1/document-ids/${created.json?.id}/data-key`;
    expect((await call("POST", path, { json: { expected: old, next } })).json).toEqual({
      replaced: true,
    });
    expect((await call("POST", path, { json: { expected: old, next } })).json).toEqual({
      replaced: false,
    });
  });

  it("answers health always and readiness only while the store answers", async () => {
    expect(await call("GET", "/healthz")).toMatchObject({ status: 200, json: { status: "ok" } });
    expect(await call("GET", "/readyz")).toMatchObject({ status: 200, json: { status: "ready" } });
    await store.close();
    expect((await call("GET", "/healthz")).status).toBe(200);
    const notReady = await call("GET", "/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.json?.error.code).toBe("STORE_CLOSED");
  });

  it("refuses plain HTTP on an address other machines can reach unless insecureHttp is given", async () => {
    const other = await createServer({ store });
    try {
      const error = await other.listen({ host: "0.0.0.0" }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "INVALID_INPUT", subject: "--host" });
      expect((error as Error).message).toContain("--insecure-http");
      const insecure = await other.listen({ host: "0.0.0.0", insecureHttp: true });
      expect(insecure).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    } finally {
      await other.close();
    }
  });
});

describe("tessera server: tokens and scopes", () => {
  it("answers 401 without a token or with an unknown one, and 403 for a wrong scope, alike for blocks that exist and blocks that do not", async () => {
    await call("PUT", "/v1/documents/bucket/exists", { json: body("exists") });
    const { token: reader } = await createApiToken(store, { name: "reader", scope: "read" });
    const answers: unknown[] = [];
    for (const path of ["/v1/documents/bucket/exists", "/v1/documents/bucket/missing"]) {
      const none = await call("GET", path, { token: null });
      expect(none.status).toBe(401);
      expect(none.json?.error.code).toBe("UNAUTHENTICATED");
      expect(none.json?.error.problem).toContain("no Authorization: Bearer token");
      const unknown = await call("GET", path, { token: "tsk_not-a-token" });
      expect(unknown.status).toBe(401);
      expect(unknown.json?.error.code).toBe("UNAUTHENTICATED");
      expect(unknown.json?.error.problem).toContain("no such token");
      const wrongScope = await call("DELETE", path, { token: reader });
      expect(wrongScope.status).toBe(403);
      expect(wrongScope.json?.error).toMatchObject({ code: "FORBIDDEN", scope: "read" });
      answers.push([none.json, unknown.json, wrongScope.json]);
    }
    // Byte for byte the same answers whether the block exists or not.
    expect(answers[0]).toEqual(answers[1]);
    const writes = await call("PUT", "/v1/documents/bucket/new", {
      json: body("new"),
      token: reader,
    });
    expect(writes.status).toBe(403);
    expect(await store.get({ type: "bucket", name: "new" })).toBe(undefined);
    expect((await call("GET", "/healthz", { token: null })).status).toBe(200);
  });

  it("lets only admin tokens manage data keys, the current master key and token records", async () => {
    const { token: writer } = await createApiToken(store, { name: "writer", scope: "write" });
    const forged = `/v1/meta/${encodeURIComponent("api-token:sha256:00")}`;
    const attempts = [
      ["GET", "/v1/data-keys?notMasterKeyId=x"],
      ["PUT", "/v1/meta/api-token%3Asha256%3A00", { value: "{}" }],
      ["GET", "/v1/meta/api-token:sha256:00"],
      ["PUT", "/v1/master-keys/current", { id: "key-x" }],
      ["PUT", forged, { value: JSON.stringify({ name: "x", scope: "admin" }) }],
    ] as const;
    for (const [method, path, json] of attempts) {
      const answer = await call(method, path, { token: writer, ...(json ? { json } : {}) });
      expect(answer.status).toBe(403);
    }
    expect(await store.getMeta("api-token:sha256:00")).toBe(undefined);
    // Other metadata names the module file a block type loads from: writing it is admin too.
    expect(
      (await call("PUT", "/v1/meta/other", { json: { value: "1" }, token: writer })).status,
    ).toBe(403);
    const written = await call("PUT", "/v1/meta/other", { json: { value: "1" } });
    expect([written.status, written.json]).toEqual([200, { written: true }]);
    const stale = await call("PUT", "/v1/meta/other", { json: { value: "2", expected: "0" } });
    expect([stale.status, stale.json]).toEqual([200, { written: false }]);
    expect(await store.getMeta("other")).toBe("1");
  });

  it("gives a read token documents without their wrapped data key", async () => {
    const dataKey = { masterKeyId: "key-a", wrapped: "wrapped-a" };
    await call("PUT", "/v1/documents/secret/token", { json: body("token", { dataKey }) });
    const { token: reader } = await createApiToken(store, { name: "reader", scope: "read" });
    const read = await call("GET", "/v1/documents/secret/token", { token: reader });
    expect(read.status).toBe(200);
    expect(read.json?.dataKey).toBe(null);
    expect(JSON.stringify(read.json)).not.toContain("wrapped-a");
    const many = await call("POST", "/v1/document-ids", {
      json: { ids: [read.json?.id] },
      token: reader,
    });
    expect(JSON.stringify(many.json)).not.toContain("wrapped-a");
    expect((await call("GET", "/v1/documents/secret/token")).json?.dataKey).toEqual(dataKey);
  });

  it("records only a hash of each token, never the token", async () => {
    const { token, record } = await createApiToken(store, { name: "etl-worker", scope: "write" });
    expect(token).toMatch(/^tsk_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ name: "etl-worker", scope: "write" });
    const file = readFileSync(join(folder, "tessera.db")).toString("latin1");
    const wal = readFileSync(join(folder, "tessera.db-wal")).toString("latin1");
    expect(file.includes(token) || wal.includes(token)).toBe(false);
    expect(file.includes("etl-worker") || wal.includes("etl-worker")).toBe(true);
  });
});
