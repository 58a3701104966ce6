import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { secret } from "../src/schema/index.js";
import {
  createApiToken,
  createServer,
  revokeApiToken,
  type TesseraServer,
} from "../src/server/index.js";
import { scopesFor } from "../src/server/route-scopes.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

class Login extends defineBlock({
  type: "test-security-login",
  title: "Login",
  schema: z.object({ user: z.string(), password: secret() }),
}) {}

/**
 * Who may reach each route the server registers. A route the server gains without an entry here
 * fails the table below: give it one (and one in the server's `routeAccess`).
 */
const expectedAccess: Record<string, "open" | "read" | "write" | "reveal" | "admin"> = {
  "GET /healthz": "open",
  "GET /readyz": "open",
  "GET /openapi.json": "open",
  "GET /ui": "open",
  "GET /ui/*": "open",
  "POST /ui/session": "open",
  "GET /v1/session": "read",
  "GET /v1/store": "read",
  "GET /v1/block-types": "read",
  "GET /v1/block-types/:type": "read",
  "PUT /v1/block-types/:type": "admin",
  "GET /v1/documents": "read",
  "POST /v1/document-ids": "read",
  "PUT /v1/documents/:type/:name": "write",
  "GET /v1/documents/:type/:name": "read",
  "DELETE /v1/documents/:type/:name": "write",
  "POST /v1/documents/:type/:name/rename": "write",
  "POST /v1/documents/:type/:name/rollback": "write",
  "GET /v1/documents/:type/:name/history": "read",
  "GET /v1/document-ids/:id": "read",
  "DELETE /v1/document-ids/:id": "write",
  "POST /v1/document-ids/:id/rename": "write",
  "POST /v1/document-ids/:id/rollback": "write",
  "GET /v1/document-ids/:id/history": "read",
  "GET /v1/document-ids/:id/referrers": "read",
  "GET /v1/data-keys": "admin",
  "POST /v1/document-ids/:id/data-key": "admin",
  "GET /v1/master-keys": "read",
  "PUT /v1/master-keys/current": "admin",
  "GET /v1/meta/:key": "read",
  "PUT /v1/meta/:key": "admin",
  "GET /v1/changes": "read",
  "GET /v1/blocks/:type/:name": "read",
  "PUT /v1/blocks/:type/:name": "write",
  "POST /v1/blocks/:type/:name/validate": "write",
  "POST /v1/data-keys/generate": "write",
  "POST /v1/document-ids/:id/data-key/decrypt": "reveal",
};

type Identity =
  | "none"
  | "malformed"
  | "unknown"
  | "expired"
  | "revoked"
  | "read"
  | "write"
  | "reveal"
  | "admin"
  | "limited";

const secretValue = `pw-${randomBytes(12).toString("hex")}`;
let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
let loginId: string;
let wrapped: string;
const headers = {} as Record<Identity, Record<string, string>>;

beforeAll(async () => {
  vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));
  folder = mkdtempSync(join(tmpdir(), "tessera-security-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  const saved = await new Login({ user: "etl", password: secretValue }).save("main", { store });
  const stored = (await store.get({ type: Login.type, name: "main" }))!;
  loginId = stored.id;
  wrapped = stored.dataKey!.wrapped;
  expect(saved.revision).toBe(1);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  headers.none = {};
  headers.malformed = { authorization: "Basic dXNlcjpwYXNz" };
  headers.unknown = bearer(`tsk_${randomBytes(32).toString("base64url")}`);
  for (const scope of ["read", "write", "reveal", "admin"] as const) {
    headers[scope] = bearer((await createApiToken(store, { name: scope, scope })).token);
  }
  headers.limited = bearer(
    (await createApiToken(store, { name: "limited", scope: "reveal", types: ["s3-bucket"] })).token,
  );
  const expiring = await createApiToken(store, {
    name: "expired",
    scope: "admin",
    expires: "1h",
    now: new Date(Date.now() - 2 * 3_600_000),
  });
  headers.expired = bearer(expiring.token);
  headers.revoked = bearer((await createApiToken(store, { name: "gone", scope: "admin" })).token);
  await revokeApiToken(store, "gone");
  server = await createServer({ store, tokenCacheMs: 0 });
  url = await server.listen();
});
afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

async function call(
  method: string,
  path: string,
  who: Identity,
): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 3000);
  const withBody = method === "POST" || method === "PUT";
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      signal: abort.signal,
      headers: { ...headers[who], ...(withBody ? { "content-type": "application/json" } : {}) },
      ...(withBody ? { body: "{}" } : {}),
    });
    if (response.headers.get("content-type")?.includes("text/event-stream")) {
      abort.abort();
      return { status: response.status, text: "" };
    }
    return { status: response.status, text: await response.text() };
  } catch {
    return { status: 0, text: `${method} ${path} did not answer` };
  } finally {
    clearTimeout(timer);
  }
}

/** A concrete path for a route pattern, about a missing block (so allowed writes change nothing). */
function pathOf(pattern: string, type: string): string {
  return pattern
    .replace(":type", type)
    .replace(":name", "missing-block")
    .replace(":id", randomUUID())
    .replace(":key", "some-setting")
    .replace("*", "index.html");
}

const scopesOf = {
  read: ["read", "write", "reveal", "admin", "limited"],
  write: ["write", "admin"],
  reveal: ["reveal", "admin", "limited"],
  admin: ["admin"],
} as const;

describe("tessera server security table", () => {
  it("has an expected access for every route the server registers", () => {
    const registered = [
      ...new Set(
        server.routes
          .filter((route) => route.method !== "HEAD")
          .map((route) => `${route.method} ${route.url}`),
      ),
    ].sort();
    const unlisted = registered.filter(
      (key) => !(key in expectedAccess) && !key.startsWith("GET /ui/"),
    );
    expect(unlisted).toEqual([]);
    expect(registered.length).toBeGreaterThan(30);
  });

  it("keeps a route without an entry in the scope table for admin tokens only", () => {
    expect(scopesFor("GET", "/v1/route-added-later")).toEqual(["admin"]);
    expect(scopesFor("POST", "/v1/documents/:type/:name/new-action")).toEqual(["admin"]);
    expect(scopesFor("GET", undefined)).toEqual(["admin"]);
    expect(scopesFor("GET", "/v1/blocks/:type/:name", {}, { reveal: "true" })).toEqual([
      "reveal",
      "admin",
    ]);
  });

  it("answers every route for each kind of caller with the status its scope and types allow", async () => {
    const problems: string[] = [];
    const started = Date.now();
    for (const { method, url: pattern } of server.routes) {
      const key = `${method === "HEAD" ? "GET" : method} ${pattern}`;
      const access = expectedAccess[key] ?? (pattern.startsWith("/ui/") ? "open" : "admin");
      const isSlugRoute = /^\/v1\/(documents|blocks)\/:type\/:name/.test(pattern);
      for (const who of Object.keys(headers) as Identity[]) {
        const type = who === "limited" && isSlugRoute ? "webhook" : "s3-bucket";
        const { status, text } = await call(method, pathOf(pattern, type), who);
        let expected: "pass" | 401 | 403;
        if (access === "open") expected = "pass";
        else if (["none", "malformed", "unknown", "expired", "revoked"].includes(who)) {
          expected = 401;
        } else if (!(scopesOf[access] as readonly string[]).includes(who)) expected = 403;
        else if (who === "limited" && isSlugRoute) expected = 403;
        else expected = "pass";
        const ok =
          expected === "pass"
            ? status !== 0 && status !== 401 && status !== 403 && status < 500
            : status === expected &&
              (method === "HEAD" ||
                text.includes(expected === 401 ? '"UNAUTHENTICATED"' : '"FORBIDDEN"'));
        if (!ok) problems.push(`${method} ${pattern} as ${who}: ${status}, expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("answers 401 and 403 with the same body for a block that exists and one that does not", async () => {
    const paths = (type: string, name: string, id: string) => [
      ["GET", `/v1/documents/${type}/${name}`],
      ["GET", `/v1/blocks/${type}/${name}?reveal=true`],
      ["DELETE", `/v1/documents/${type}/${name}`],
      ["GET", `/v1/document-ids/${id}`],
      ["POST", `/v1/document-ids/${id}/data-key/decrypt`],
      ["POST", `/v1/document-ids/${id}/data-key`],
    ];
    const existing = paths(Login.type, "main", loginId);
    const missing = paths(Login.type, "no-such-block", randomUUID());
    for (const who of ["none", "malformed", "unknown", "expired", "revoked", "read"] as const) {
      for (const [index, [method, path]] of existing.entries()) {
        const there = await call(method!, path!, who);
        const absent = await call(method!, missing[index]![1]!, who);
        if (there.status !== 401 && there.status !== 403) continue;
        expect(absent.status, `${method} ${path} as ${who}`).toBe(there.status);
        expect(absent.text).toBe(there.text);
      }
    }
    // A token limited to other types is refused by slug before any lookup.
    const there = await call("GET", `/v1/documents/${Login.type}/main`, "limited");
    const absent = await call("GET", `/v1/documents/${Login.type}/no-such-block`, "limited");
    expect(there.status).toBe(403);
    expect(absent.text).toBe(there.text);
  });

  it("never sends a secret's value, its plaintext or its wrapped data key to a token without reveal", async () => {
    const reads = [
      `/v1/documents/${Login.type}/main`,
      `/v1/documents/${Login.type}/main?revision=1`,
      `/v1/document-ids/${loginId}`,
      `/v1/documents/${Login.type}/main/history`,
      `/v1/blocks/${Login.type}/main`,
      `/v1/blocks/${Login.type}/main?reveal=true`,
      "/v1/documents",
      `/v1/data-keys?notMasterKeyId=none`,
    ];
    for (const who of ["read", "write", "limited", "none", "expired", "revoked"] as const) {
      for (const path of reads) {
        const { text } = await call("GET", path, who);
        expect(text, `${path} as ${who}`).not.toContain(secretValue);
        expect(text, `${path} as ${who}`).not.toContain(wrapped);
      }
      const many = await fetch(`${url}/v1/document-ids`, {
        method: "POST",
        headers: { ...headers[who], "content-type": "application/json" },
        body: JSON.stringify({ ids: [loginId] }),
      });
      const text = await many.text();
      expect(text).not.toContain(wrapped);
      const decrypt = await call("POST", `/v1/document-ids/${loginId}/data-key/decrypt`, who);
      expect(decrypt.text).not.toContain("plaintext");
    }
    // The reveal token asks and gets the value: the check above would see it.
    const revealed = await call("GET", `/v1/blocks/${Login.type}/main?reveal=true`, "reveal");
    expect(revealed.text).toContain(secretValue);
    expect((await call("GET", `/v1/documents/${Login.type}/main`, "admin")).text).toContain(
      wrapped,
    );
  });
});

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");

describe("tessera server logs", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("never write tokens, Authorization headers or secret values, whatever the requests", async () => {
    const home = mkdtempSync(join(tmpdir(), "tessera-security-log-"));
    const key = randomBytes(32).toString("base64");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TESSERA_HOME: home,
      TESSERA_ENCRYPTION_KEY: key,
      NO_COLOR: "1",
    };
    delete env.TESSERA_DATABASE_URL;
    delete env.TESSERA_API_URL;
    const homeStore = await openSqliteStore({ path: join(home, "tessera.db") });
    const made: Record<string, string> = {};
    for (const scope of ["write", "reveal", "read"] as const) {
      made[scope] = (await createApiToken(homeStore, { name: `log-${scope}`, scope })).token;
    }
    const revoked = (await createApiToken(homeStore, { name: "log-gone", scope: "read" })).token;
    await revokeApiToken(homeStore, "log-gone");
    await homeStore.close();

    child = spawn(process.execPath, [bin, "server", "start", "--port", "0", "--log"], { env });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const serverUrl = await new Promise<string>((done, fail) => {
      child!.stdout!.on("data", () => {
        const match = / at (https?:\/\/[\d.]+:\d+)/.exec(stdout);
        if (match) done(match[1]!);
      });
      child!.on("exit", (code) => fail(new Error(`exited ${code}: ${stderr}`)));
    });
    const value = `log-secret-${randomBytes(12).toString("hex")}`;
    const send = (method: string, path: string, token: string, body?: unknown, extra = {}) =>
      fetch(`${serverUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...extra,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const saved = await send(
      "PUT",
      "/v1/blocks/secret/db",
      made.write!,
      { data: { value } },
      { "if-none-match": "*" },
    );
    expect(saved.status).toBe(201);
    const shown = await send("GET", "/v1/blocks/secret/db?reveal=true", made.reveal!);
    expect(await shown.text()).toContain(value);
    // Refused and failing requests, with secrets in the URL and the body.
    await send("GET", `/v1/blocks/secret/db?reveal=true&x=${value}`, made.read!);
    await send("GET", "/v1/documents/secret/db", revoked);
    await send("GET", "/v1/documents/secret/db", "tsk_not-a-token");
    await send("PUT", "/v1/blocks/secret/db", made.write!, { data: { value: 12 } });
    await send("PUT", "/v1/meta/api-token:x", made.write!, { value });
    child.kill("SIGTERM");
    await new Promise((done) => child!.on("exit", done));
    rmSync(home, { recursive: true, force: true });

    const logs = stdout + stderr;
    expect(stderr).toContain('"statusCode":201');
    for (const token of [...Object.values(made), revoked, "tsk_not-a-token"]) {
      expect(logs).not.toContain(token);
    }
    expect(logs.toLowerCase()).not.toContain("bearer");
    expect(logs.toLowerCase()).not.toContain("authorization");
    expect(logs).not.toContain(value);
    expect(logs).not.toContain(key);
  });
});
