import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createApiToken,
  createServer,
  listApiTokens,
  revokeApiToken,
  type TesseraServer,
} from "../src/server/index.js";
import { openHttpStore, openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;
let servers: TesseraServer[];
let url: string;
let adminToken: string;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-server-tokens-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  adminToken = (await createApiToken(store, { name: "admin", scope: "admin" })).token;
  servers = [];
  url = await start();
});
afterEach(async () => {
  for (const server of servers) await server.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

async function start(options: { tokenCacheMs?: number; over?: SqliteBlockStore } = {}) {
  const server = await createServer({
    store: options.over ?? store,
    ...(options.tokenCacheMs === undefined ? {} : { tokenCacheMs: options.tokenCacheMs }),
  });
  servers.push(server);
  return server.listen();
}

function body(name: string) {
  return {
    id: randomUUID(),
    data: { name },
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
  };
}

interface Answer {
  error: { code: string; message: string; [field: string]: unknown };
  items: Array<Record<string, unknown>>;
  nextCursor?: string;
  id: string;
  [field: string]: unknown;
}

async function call(
  method: string,
  path: string,
  options: { json?: unknown; token?: string | null; at?: string } = {},
) {
  const token = options.token === undefined ? adminToken : options.token;
  const response = await fetch(`${options.at ?? url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as Answer) : undefined };
}

async function save(type: string, name: string): Promise<string> {
  const answer = await call("PUT", `/v1/documents/${type}/${name}`, { json: body(name) });
  expect(answer.status).toBe(201);
  return answer.json!.id;
}

describe("API token lifecycle", () => {
  it("answers an expired token and a revoked one with 401 saying which, the same for blocks that exist and blocks that do not", async () => {
    await save("webhook", "alerts");
    const now = new Date();
    const expiring = await createApiToken(store, {
      name: "short-lived",
      scope: "read",
      expires: "1d",
      now: new Date(now.getTime() - 2 * 86_400_000),
    });
    expect(expiring.record.expiresAt).toBe(new Date(now.getTime() - 86_400_000).toISOString());
    const revoked = await createApiToken(store, { name: "leaver", scope: "read" });
    expect(
      (await call("GET", "/v1/documents/webhook/alerts", { token: revoked.token })).status,
    ).toBe(200);
    await revokeApiToken(store, "leaver");
    const [record] = (await listApiTokens(store)).filter((entry) => entry.name === "leaver");
    await servers[0]!.close();
    servers = [];
    url = await start();

    for (const [token, says] of [
      [expiring.token, `expired at ${expiring.record.expiresAt}`],
      [revoked.token, `revoked at ${record!.revokedAt}`],
    ] as const) {
      const existing = await call("GET", "/v1/documents/webhook/alerts", { token });
      const missing = await call("GET", "/v1/documents/webhook/nothing-here", { token });
      expect(existing.status).toBe(401);
      expect(existing.json?.error.code).toBe("UNAUTHENTICATED");
      expect(existing.json?.error.message).toContain(says);
      expect(missing.status).toBe(401);
      expect(missing.text).toBe(existing.text);
    }
  });

  it("lists token records without the token or its hash, and revokes every token of a name or one by its id", async () => {
    const first = await createApiToken(store, { name: "etl", scope: "write", expires: "30d" });
    await revokeApiToken(store, "etl");
    const second = await createApiToken(store, {
      name: "etl",
      scope: "read",
      types: ["s3-bucket", "aws-credentials"],
      expires: "2099-01-31T00:00:00Z",
    });
    const third = await createApiToken(store, { name: "deploy", scope: "reveal" });
    const records = await listApiTokens(store);
    expect(records.map((record) => record.name)).toEqual(["admin", "etl", "etl", "deploy"]);
    expect(records[2]).toEqual({
      id: second.record.id,
      name: "etl",
      scope: "read",
      types: ["aws-credentials", "s3-bucket"],
      createdAt: second.record.createdAt,
      expiresAt: "2099-01-31T00:00:00.000Z",
    });
    const listed = JSON.stringify(records);
    for (const { token } of [first, second, third]) {
      expect(listed).not.toContain(token);
      const hash = (await import("node:crypto")).createHash("sha256").update(token).digest("hex");
      expect(listed).not.toContain(hash);
    }

    const byName = await revokeApiToken(store, "etl");
    expect(byName.map((record) => record.id)).toEqual([second.record.id]);
    const byId = await revokeApiToken(store, third.record.id);
    expect(byId.map((record) => record.name)).toEqual(["deploy"]);
    const after = await listApiTokens(store);
    expect(after.filter((record) => record.revokedAt !== undefined)).toHaveLength(3);
    await expect(revokeApiToken(store, "nobody")).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  it("refuses a malformed expiry, an unknown scope, a second active token of one name and an admin token limited to types", async () => {
    const refusals: Array<[Parameters<typeof createApiToken>[1], string]> = [
      [{ name: "a", scope: "read", expires: "soon" }, "not an expiry"],
      [{ name: "a", scope: "read", expires: "2001-01-01T00:00:00Z" }, "not in the future"],
      [{ name: "a", scope: "read", expires: "2027-01-31T00:00:00" }, "not an expiry"],
      [{ name: "a", scope: "owner" as "read" }, "must be one of read, write, reveal, admin"],
      [{ name: "admin", scope: "read" }, 'already named "admin"'],
      [{ name: "a", scope: "admin", types: ["s3-bucket"] }, "cannot be limited to types"],
      [{ name: "a", scope: "read", types: [""] }, "--types takes block type slugs"],
    ];
    for (const [options, says] of refusals) {
      const error = await createApiToken(store, options).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
      expect((error as Error).message).toContain(says);
    }
    await expect(
      createApiToken(store, { name: "a", scope: "read", types: ["S3 Bucket"] }),
    ).rejects.toMatchObject({
      code: "INVALID_SLUG",
    });
    expect((await listApiTokens(store)).map((record) => record.name)).toEqual(["admin"]);
  });

  it("takes a revocation through the same server at once, and one through another server within the cache time", async () => {
    const { token } = await createApiToken(store, { name: "worker", scope: "read" });
    const cachedUrl = await start({ tokenCacheMs: 400 });
    const other = await openSqliteStore({ path: join(folder, "tessera.db") });
    const otherUrl = await start({ tokenCacheMs: 400, over: other });
    try {
      // Both servers have the token cached.
      expect((await call("GET", "/v1/store", { token, at: cachedUrl })).status).toBe(200);
      expect((await call("GET", "/v1/store", { token, at: otherUrl })).status).toBe(200);
      // Revoked through the second server: it refuses the token at once…
      const client = await openHttpStore({ url: otherUrl, apiKey: adminToken });
      await revokeApiToken(client, "worker");
      await client.close();
      expect((await call("GET", "/v1/store", { token, at: otherUrl })).status).toBe(401);
      // …the first within its cache time.
      expect((await call("GET", "/v1/store", { token, at: cachedUrl })).status).toBe(200);
      await new Promise((done) => setTimeout(done, 450));
      const later = await call("GET", "/v1/store", { token, at: cachedUrl });
      expect(later.status).toBe(401);
      expect(later.json?.error.message).toContain("revoked at");
    } finally {
      await other.close().catch(() => {});
    }
  });
});

describe("API tokens limited to block types", () => {
  it("refuses a slug of another type with 403 before any lookup, alike for blocks that exist and blocks that do not", async () => {
    await save("webhook", "alerts");
    const { token } = await createApiToken(store, {
      name: "buckets",
      scope: "write",
      types: ["s3-bucket"],
    });
    const existing = await call("GET", "/v1/documents/webhook/alerts", { token });
    const missing = await call("GET", "/v1/documents/webhook/nothing-here", { token });
    expect(existing.status).toBe(403);
    expect(existing.json?.error).toMatchObject({ code: "FORBIDDEN", type: "webhook" });
    expect(missing.text).toBe(existing.text);
    for (const [method, path] of [
      ["DELETE", "/v1/documents/webhook/alerts"],
      ["GET", "/v1/documents/webhook/alerts/history"],
      ["POST", "/v1/documents/webhook/alerts/rename"],
    ] as const) {
      const json = method === "POST" ? { name: "x" } : undefined;
      expect((await call(method, path, { token, json })).status).toBe(403);
    }
    expect(
      (await call("PUT", "/v1/documents/webhook/new", { token, json: body("new") })).status,
    ).toBe(403);
    expect(await store.get({ type: "webhook", name: "new" })).toBe(undefined);
    expect(
      (await call("PUT", "/v1/documents/s3-bucket/new", { token, json: body("new") })).status,
    ).toBe(201);
  });

  it("answers a document of another type by id exactly like a missing one, and leaves it out of lists", async () => {
    const hidden = await save("webhook", "alerts");
    const shown = await save("s3-bucket", "results");
    const { token } = await createApiToken(store, {
      name: "buckets",
      scope: "write",
      types: ["s3-bucket"],
    });
    const missingId = randomUUID();
    for (const [method, path, json] of [
      ["GET", "", undefined],
      ["GET", "/history", undefined],
      ["GET", "/referrers", undefined],
      ["POST", "/rename", { name: "moved" }],
      ["POST", "/rollback", { revision: 1 }],
      ["DELETE", "", undefined],
    ] as const) {
      const other = await call(method, `/v1/document-ids/${hidden}${path}`, { token, json });
      const missing = await call(method, `/v1/document-ids/${missingId}${path}`, { token, json });
      expect(other.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(other.text.replaceAll(hidden, "ID")).toBe(missing.text.replaceAll(missingId, "ID"));
    }
    expect(await store.get({ id: hidden })).toMatchObject({ name: "alerts" });
    expect((await call("GET", `/v1/document-ids/${shown}`, { token })).status).toBe(200);

    const many = await call("POST", "/v1/document-ids", { token, json: { ids: [hidden, shown] } });
    expect(many.json?.items.map((item) => item.id)).toEqual([shown]);
    const listed = await call("GET", "/v1/documents", { token });
    expect(listed.json?.items.map((item) => item.id)).toEqual([shown]);
    expect((await call("GET", "/v1/documents?type=webhook", { token })).json).toEqual({
      items: [],
    });
  });

  it("pages through several allowed types in order, leaving the others out", async () => {
    for (const name of ["a", "b", "c"]) {
      await save("aws-credentials", name);
      await save("s3-bucket", name);
      await save("webhook", name);
    }
    const { token } = await createApiToken(store, {
      name: "aws",
      scope: "read",
      types: ["s3-bucket", "aws-credentials"],
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call("GET", `/v1/documents?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
        token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.json!.items.map((item) => `${item.type}/${item.name}`));
      cursor = page.json!.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      "aws-credentials/a",
      "aws-credentials/b",
      "aws-credentials/c",
      "s3-bucket/a",
      "s3-bucket/b",
      "s3-bucket/c",
    ]);
  });

  it("leaves changes to documents of other types out of the change feed", async () => {
    const { token } = await createApiToken(store, {
      name: "buckets",
      scope: "read",
      types: ["s3-bucket"],
    });
    const client = await openHttpStore({ url, apiKey: token });
    const watch = await client.watch({ types: ["webhook", "s3-bucket"] });
    try {
      await save("webhook", "alerts");
      await save("s3-bucket", "results");
      const iterator = watch[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value).toMatchObject({ type: "s3-bucket", name: "results" });
    } finally {
      await watch.close();
      await client.close();
    }
  });
});

describe("the audit trail of revisions", () => {
  it("records the name of the token that wrote each revision, whatever actor a request body claims", async () => {
    const deployBot = (await createApiToken(store, { name: "deploy-bot", scope: "write" })).token;
    const etlWorker = (await createApiToken(store, { name: "etl-worker", scope: "write" })).token;
    const claims = { actor: "user:mallory" };
    const created = await call("PUT", "/v1/documents/bucket/audited", {
      json: { ...body("one"), ...claims },
      token: deployBot,
    });
    expect(created.status).toBe(201);
    expect(created.json?.actor).toBe("token:deploy-bot");
    const second = await call("PUT", "/v1/documents/bucket/audited", {
      json: { ...body("two"), ...claims, overwrite: true },
      token: etlWorker,
    });
    expect(second.json?.actor).toBe("token:etl-worker");
    const rolled = await call("POST", "/v1/documents/bucket/audited/rollback", {
      json: { revision: 1, ...claims },
      token: deployBot,
    });
    expect(rolled.status).toBe(200);
    const renamed = await call("POST", `/v1/document-ids/${created.json?.id}/rename`, {
      json: { name: "audited-renamed", ...claims },
      token: etlWorker,
    });
    expect(renamed.status).toBe(200);

    const history = await call("GET", "/v1/documents/bucket/audited-renamed/history");
    expect(
      history.json?.items.map((entry) => [entry.revision, entry.operation, entry.actor]),
    ).toEqual([
      [4, "rename", "token:etl-worker"],
      [3, "rollback", "token:deploy-bot"],
      [2, "save", "token:etl-worker"],
      [1, "save", "token:deploy-bot"],
    ]);
    const first = await call("GET", "/v1/documents/bucket/audited-renamed?revision=1");
    expect(first.json?.actor).toBe("token:deploy-bot");
    // The store behind the server holds the same trail.
    expect((await store.history({ type: "bucket", name: "audited-renamed" }))[0]?.actor).toBe(
      "token:etl-worker",
    );
    // An HTTP store's own actor is never sent: the server's token name wins.
    const client = await openHttpStore({ url, apiKey: deployBot });
    try {
      const saved = await client.put({
        ...body("three"),
        type: "bucket",
        name: "audited-renamed",
        overwrite: true,
        actor: "user:mallory",
      });
      expect(saved.actor).toBe("token:deploy-bot");
    } finally {
      await client.close();
    }
  });

  it("records no actor on a server without token checks, even when a body claims one", async () => {
    const open = await createServer({ store, auth: "none" });
    servers.push(open);
    const at = await open.listen();
    const saved = await call("PUT", "/v1/documents/bucket/unaudited", {
      json: { ...body("one"), actor: "user:mallory" },
      token: null,
      at,
    });
    expect(saved.status).toBe(201);
    expect(saved.json).not.toHaveProperty("actor");
    await call("POST", "/v1/documents/bucket/unaudited/rename", {
      json: { name: "moved", actor: "user:mallory" },
      token: null,
      at,
    });
    const history = await store.history({ type: "bucket", name: "moved" });
    expect(history.map((entry) => entry.actor)).toEqual([undefined, undefined]);
  });
});
