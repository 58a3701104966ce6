import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, routeSchema } from "../src/server/api-schemas.js";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
let token: string;

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: unknown }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, { properties?: Record<string, unknown> } | undefined>;
  };
  security: unknown[];
}
let document: OpenApiDocument;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-openapi-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  token = (await createApiToken(store, { name: "openapi", scope: "admin" })).token;
  server = await createServer({ store });
  url = await server.listen();
  const response = await fetch(`${url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
});
afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** `GET /v1/documents/:type/:name` → the document's path and method. */
function operationOf(key: string): Operation | undefined {
  const [method, path] = key.split(" ") as [string, string];
  return document.paths[path.replace(/:([A-Za-z]+)/g, "{$1}")]?.[method.toLowerCase()];
}

describe("the OpenAPI document at /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("lists every route the server registers, and nothing else", () => {
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`,
      ),
    );
    expect(listed.sort()).toEqual(Object.keys(apiRoutes).sort());
    for (const key of Object.keys(apiRoutes)) {
      expect(operationOf(key)?.summary, key).toBe(apiRoutes[key]!.summary);
    }
  });

  it("refuses to register a route that has no schema in the table, so the document stays complete", () => {
    expect(() => routeSchema("POST", "/v1/undocumented")).toThrow(/api-schemas\.ts/);
  });

  it("asks for a bearer token everywhere except health, readiness and itself", async () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(document.security).toEqual([{ bearer: [] }]);
    for (const key of ["GET /healthz", "GET /readyz", "GET /openapi.json"]) {
      expect(operationOf(key)?.security, key).toEqual([]);
    }
    expect(operationOf("GET /v1/store")?.security).toBeUndefined();
    expect(operationOf("GET /v1/store")?.responses["401"]).toBeDefined();
    // The document itself is served without a token; the API is not.
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${url}/v1/store`)).status).toBe(401);
  });

  it("describes the error shape, ETag on document responses and If-Match on writes", () => {
    expect(document.components.schemas.Error).toMatchObject({
      type: "object",
      required: ["error"],
    });
    const load = operationOf("GET /v1/documents/:type/:name")!;
    expect(Object.keys(load.responses["200"]?.headers ?? {})).toEqual(["ETag"]);
    expect(load.responses.default?.content).toEqual({
      "application/json": { schema: { $ref: "#/components/schemas/Error" } },
    });
    const save = operationOf("PUT /v1/documents/:type/:name")!;
    expect(save.parameters?.filter((parameter) => parameter.in === "header")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "if-match" }),
        expect.objectContaining({ name: "if-none-match" }),
      ]),
    );
    expect(save.responses["409"]).toBeDefined();
    expect(save.responses["201"]?.headers).toHaveProperty("ETag");
    expect(document.components.schemas.StoredDocument?.properties).toHaveProperty("actor");
    const history = operationOf("GET /v1/documents/:type/:name/history")!;
    expect(history.responses["200"]?.content).toEqual({
      "application/json": {
        schema: expect.objectContaining({
          properties: {
            items: { type: "array", items: { $ref: "#/components/schemas/RevisionSummary" } },
          },
        }),
      },
    });
    expect(document.components.schemas.RevisionSummary?.properties).toHaveProperty("actor");
    const bodySchema = save.requestBody?.content["application/json"]?.schema;
    expect(bodySchema?.required).toEqual(
      expect.arrayContaining(["id", "data", "schemaChecksum", "dataKey"]),
    );
  });
});

describe("requests validated by the same schemas", () => {
  const headers = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
  const body = (overrides: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    data: { name: "x", nested: { deep: [1, { b: true }] } },
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    package: { name: "@acme/blocks", version: "1.2.3", coreRange: ">=0.1 <1" },
    references: [],
    dataKey: null,
    ...overrides,
  });

  it("refuses a document body that misses a required field, naming it", async () => {
    const { id: _id, ...withoutId } = body();
    const response = await fetch(`${url}/v1/documents/bucket/no-id`, {
      method: "PUT",
      headers: headers(),
      body: JSON.stringify(withoutId),
    });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe("INVALID_INPUT");
    expect(answer.error.message).toContain("id");
  });

  it("returns every field of a saved document, none dropped by a response schema", async () => {
    const sent = body();
    const saved = await fetch(`${url}/v1/documents/bucket/whole`, {
      method: "PUT",
      headers: headers(),
      body: JSON.stringify(sent),
    });
    expect(saved.status).toBe(201);
    const loaded = (await (
      await fetch(`${url}/v1/documents/bucket/whole`, { headers: headers() })
    ).json()) as Record<string, unknown>;
    expect(loaded).toMatchObject({
      id: sent.id,
      type: "bucket",
      name: "whole",
      revision: 1,
      data: sent.data,
      package: sent.package,
      dataKey: null,
    });
    expect(loaded.actor).toBe("token:openapi");
    expect(Object.keys(loaded).sort()).toEqual(
      [
        "actor",
        "createdAt",
        "data",
        "dataKey",
        "id",
        "name",
        "package",
        "references",
        "revision",
        "schemaChecksum",
        "schemaVersion",
        "type",
        "updatedAt",
      ].sort(),
    );
  });
});
