import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { secret } from "../src/schema/index.js";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

class Login extends defineBlock({
  type: "test-values-login",
  title: "Login",
  schema: z.object({ user: z.string(), password: secret() }),
}) {}

class Service extends defineBlock({
  type: "test-values-service",
  title: "Service",
  schema: z.object({
    url: z.string().url(),
    port: z.number().int().min(1).max(65535),
    login: Login.field().optional(),
    certificate: secret().optional(),
    settings: secret({ json: true }).optional(),
  }),
}) {}

const PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
  "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
  "-----END PRIVATE KEY-----",
  "",
].join("\r\n");

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
const tokens: Record<"read" | "write" | "reveal" | "admin", string> = {
  read: "",
  write: "",
  reveal: "",
  admin: "",
};

beforeEach(async () => {
  vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));
  folder = mkdtempSync(join(tmpdir(), "tessera-values-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  for (const scope of ["read", "write", "reveal", "admin"] as const) {
    tokens[scope] = (await createApiToken(store, { name: `${scope}-token`, scope })).token;
  }
  server = await createServer({ store });
  url = await server.listen();
});
afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

interface Answer {
  status: number;
  etag: string | null;
  cacheControl: string | null;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in the tests.
  json: any;
}

async function call(
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string>; token?: keyof typeof tokens } = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[options.token ?? "admin"]}`,
      ...(options.json === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    cacheControl: response.headers.get("cache-control"),
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

async function saveExample() {
  await new Login({ user: "app", password: "login-password-7f3a" }).save("prod", { store });
  const login = await Login.load("prod", { store });
  return new Service({
    url: "https://service.example",
    port: 8443,
    login,
    certificate: PEM,
    settings: { apiKey: "settings-api-key-91c2" },
  }).save("api", { store });
}

describe("block values over HTTP: reading", () => {
  it("answers a block's fields with secrets as set, a saved nested block as its slug, and the revision as ETag", async () => {
    await saveExample();
    for (const token of ["read", "write", "reveal"] as const) {
      const answer = await call("GET", "/v1/blocks/test-values-service/api", { token });
      expect(answer.status).toBe(200);
      expect(answer.etag).toBe('"1"');
      expect(answer.json).toMatchObject({
        slug: "test-values-service/api",
        type: "test-values-service",
        name: "api",
        revision: 1,
        data: {
          url: "https://service.example",
          port: 8443,
          login: { $ref: "test-values-login/prod" },
          certificate: { $secret: "set" },
          settings: { $secret: "set" },
        },
      });
      expect(typeof answer.json.id).toBe("string");
      expect(typeof answer.json.updatedAt).toBe("string");
      for (const leak of ["BEGIN PRIVATE KEY", "settings-api-key", "login-password", "$sealed"]) {
        expect(answer.text).not.toContain(leak);
      }
    }
    const login = await call("GET", "/v1/blocks/test-values-login/prod", { token: "read" });
    expect(login.json.data).toEqual({ user: "app", password: { $secret: "set" } });
  });

  it("answers an older revision by ?revision=N, and a link to a force-deleted block as $missing", async () => {
    const saved = await saveExample();
    saved.port = 9443;
    await saved.save("api", { store, expectedRevision: 1 });
    const first = await call("GET", "/v1/blocks/test-values-service/api?revision=1");
    expect(first.etag).toBe('"1"');
    expect(first.json).toMatchObject({ revision: 1, data: { port: 8443 } });
    const loginId = (await store.get({ type: "test-values-login", name: "prod" }))!.id;
    await store.delete({ type: "test-values-login", name: "prod" }, { force: true });
    const newest = await call("GET", "/v1/blocks/test-values-service/api");
    expect(newest.json).toMatchObject({ revision: 2, data: { login: { $missing: loginId } } });
    const missing = await call("GET", "/v1/blocks/test-values-service/api?revision=7");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("BLOCK_NOT_FOUND");
  });

  it("reveals secret values only to reveal and admin tokens that ask, with Cache-Control: no-store", async () => {
    await saveExample();
    for (const token of ["read", "write"] as const) {
      const refused = await call("GET", "/v1/blocks/test-values-service/api?reveal=true", {
        token,
      });
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe("FORBIDDEN");
      expect(refused.text).not.toContain("settings-api-key");
    }
    for (const token of ["reveal", "admin"] as const) {
      const revealed = await call("GET", "/v1/blocks/test-values-service/api?reveal=true", {
        token,
      });
      expect(revealed.status).toBe(200);
      expect(revealed.cacheControl).toBe("no-store");
      expect(revealed.json.data.certificate).toBe(PEM);
      expect(revealed.json.data.settings).toEqual({ apiKey: "settings-api-key-91c2" });
      expect(revealed.json.data.login).toEqual({ $ref: "test-values-login/prod" });
    }
    const masked = await call("GET", "/v1/blocks/test-values-service/api", { token: "reveal" });
    expect(masked.json.data.certificate).toEqual({ $secret: "set" });
  });

  it("answers an unknown block type with 404 UNKNOWN_BLOCK_TYPE and advice", async () => {
    const answer = await call("GET", "/v1/blocks/test-values-servise/api");
    expect(answer.status).toBe(404);
    expect(answer.json.error.code).toBe("UNKNOWN_BLOCK_TYPE");
    expect(answer.json.error.message).toContain("Register the class");
    const write = await call("PUT", "/v1/blocks/no-such-type/x", {
      json: { data: {} },
      headers: { "if-none-match": "*" },
    });
    expect(write.status).toBe(404);
    expect(write.json.error.code).toBe("UNKNOWN_BLOCK_TYPE");
  });
});

describe("block values over HTTP: writing", () => {
  it("creates with If-None-Match: *, keeps a secret through { $keep: true }, and a PEM survives byte for byte", async () => {
    await new Login({ user: "app", password: "login-password-7f3a" }).save("prod", { store });
    const created = await call("PUT", "/v1/blocks/test-values-service/api", {
      token: "write",
      headers: { "if-none-match": "*" },
      json: {
        data: {
          url: "https://service.example",
          port: 8443,
          login: { $ref: "test-values-login/prod" },
          certificate: PEM,
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.etag).toBe('"1"');
    expect(created.json.data).toEqual({
      url: "https://service.example",
      port: 8443,
      login: { $ref: "test-values-login/prod" },
      certificate: { $secret: "set" },
    });
    expect(created.text).not.toContain("BEGIN PRIVATE KEY");

    const edited = await call("PUT", "/v1/blocks/test-values-service/api", {
      token: "write",
      headers: { "if-match": created.etag! },
      json: { data: { ...created.json.data, port: 9443, certificate: { $keep: true } } },
    });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ revision: 2, data: { port: 9443 } });

    const loaded = await Service.load("api", { store });
    expect(loaded.port).toBe(9443);
    expect(await loaded.certificate!.reveal()).toBe(PEM);
    expect(loaded.login?.slug).toBe("test-values-login/prod");
    const revealed = await call("GET", "/v1/blocks/test-values-service/api?reveal=true");
    expect(revealed.json.data.certificate).toBe(PEM);

    const again = await call("PUT", "/v1/blocks/test-values-service/api", {
      headers: { "if-none-match": "*" },
      json: { data: { url: "https://other.example", port: 1 } },
    });
    expect(again.status).toBe(409);
  });

  it("records the writing token as each revision's actor, and a local save as the local user", async () => {
    vi.stubEnv("TESSERA_ACTOR", "user:alice");
    await new Login({ user: "app", password: "login-password-7f3a" }).save("prod", { store });
    const edited = await call("PUT", "/v1/blocks/test-values-login/prod", {
      token: "write",
      headers: { "if-match": '"1"' },
      json: { data: { user: "app2", password: { $keep: true } } },
    });
    expect(edited.status).toBe(200);
    expect(edited.json.actor).toBe("token:write-token");
    const newest = await call("GET", "/v1/blocks/test-values-login/prod", { token: "read" });
    expect(newest.json.actor).toBe("token:write-token");
    const first = await call("GET", "/v1/blocks/test-values-login/prod?revision=1");
    expect(first.json.actor).toBe("user:alice");
    const history = await store.history({ type: "test-values-login", name: "prod" });
    expect(history.map((entry) => entry.actor)).toEqual(["token:write-token", "user:alice"]);
  });

  it("refuses a stale If-Match with 409 REVISION_CONFLICT naming both revisions, and a write without one", async () => {
    await saveExample();
    const data = { url: "https://service.example", port: 1, certificate: { $keep: true } };
    const first = await call("PUT", "/v1/blocks/test-values-service/api", {
      headers: { "if-match": '"1"' },
      json: { data },
    });
    expect(first.status).toBe(200);
    const stale = await call("PUT", "/v1/blocks/test-values-service/api", {
      headers: { "if-match": '"1"' },
      json: { data: { ...data, port: 2 } },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({
      code: "REVISION_CONFLICT",
      expectedRevision: 1,
      actualRevision: 2,
    });
    const unconditional = await call("PUT", "/v1/blocks/test-values-service/api", {
      json: { data: { ...data, port: 3 } },
    });
    expect(unconditional.status).toBe(400);
    expect(unconditional.json.error.message).toContain("If-Match");
    expect((await Service.load("api", { store })).port).toBe(1);
  });

  it("refuses the mask or { $secret: set } in a secret field, nested ones too, with MASKED_SECRET naming the paths, and saves nothing", async () => {
    await saveExample();
    const answer = await call("PUT", "/v1/blocks/test-values-service/api", {
      headers: { "if-match": '"1"' },
      json: {
        data: {
          url: "https://service.example",
          port: 8443,
          certificate: "********",
          settings: { $secret: "set" },
          login: { user: "inline", password: "********" },
        },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe("MASKED_SECRET");
    expect(answer.json.error.paths).toEqual(["certificate", "settings", "login.password"]);
    expect(answer.json.error.message).toContain('{ "$keep": true }');
    const stored = await Service.load("api", { store });
    expect(stored.revision).toBe(1);
    expect(await stored.certificate!.reveal()).toBe(PEM);
    expect(await stored.settings!.reveal()).toEqual({ apiKey: "settings-api-key-91c2" });
  });

  it("answers invalid fields with 400 VALIDATION_FAILED and problems by path, never echoing a secret", async () => {
    const answer = await call("PUT", "/v1/blocks/test-values-service/api", {
      headers: { "if-none-match": "*" },
      json: {
        data: {
          url: "not a url",
          port: 70000,
          login: { $ref: "test-values-login/absent" },
          certificate: 12345,
        },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe("VALIDATION_FAILED");
    const paths = answer.json.error.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(["url", "port", "login", "certificate"]));
    for (const problem of answer.json.error.problems) expect(typeof problem.message).toBe("string");
    expect(answer.text).not.toContain("12345");
    expect(await store.get({ type: "test-values-service", name: "api" })).toBe(undefined);
  });

  it("validates a form without saving: ok with no problems, else the problems a save would refuse", async () => {
    await saveExample();
    const good = await call("POST", "/v1/blocks/test-values-service/api/validate", {
      token: "write",
      json: { data: { url: "https://a.example", port: 1, certificate: { $keep: true } } },
    });
    expect(good.status).toBe(200);
    expect(good.json).toEqual({ ok: true, problems: [] });
    const bad = await call("POST", "/v1/blocks/test-values-service/new/validate", {
      json: {
        data: {
          url: "https://a.example",
          port: 0,
          certificate: { $keep: true },
          settings: "********",
        },
      },
    });
    expect(bad.json.ok).toBe(false);
    expect(bad.json.problems.map((problem: { path: string }) => problem.path).sort()).toEqual([
      "certificate",
      "port",
      "settings",
    ]);
    expect((await store.history({ type: "test-values-service", name: "api" })).length).toBe(1);
    expect(await store.get({ type: "test-values-service", name: "new" })).toBe(undefined);
    const reader = await call("POST", "/v1/blocks/test-values-service/api/validate", {
      token: "read",
      json: { data: {} },
    });
    expect(reader.status).toBe(403);
  });
});
