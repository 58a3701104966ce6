/**
 * The server's routes as one table of zod schemas. The same schemas, converted to JSON Schema,
 * are what Fastify validates requests with and what the OpenAPI document at `/openapi.json`
 * describes, so the two cannot drift apart.
 *
 * JSON Schema dialect: Fastify validates with Ajv's default (draft-07) dialect, so the schemas
 * are converted with zod's `draft-7` target and without `$schema`. The keywords they use (type,
 * properties, required, anyOf, minimum, …) mean the same in JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1. Schemas are converted from the input side (`io: "input"`), so objects carry no
 * `additionalProperties: false`: Fastify's Ajv would otherwise silently strip unknown fields.
 *
 * No route has a response schema for Fastify: its serializer would drop any field of a document
 * that such a schema did not list. Responses are described in the OpenAPI document only.
 */
import { z } from "zod";

const wrappedDataKey = z.object({
  masterKeyId: z.string().describe("The id of the master key that wrapped the data key."),
  wrapped: z.string().describe("The wrapped data key (base64)."),
});

const definingPackage = z.object({
  name: z.string(),
  version: z.string(),
  coreRange: z.string(),
});

const documentBody = z.object({
  id: z.string().min(1).describe("The document's immutable id (kept across revisions)."),
  data: z.record(z.string(), z.unknown()).describe("The document's fields; secrets as ciphertext."),
  schemaChecksum: z.string(),
  schemaVersion: z.string(),
  package: definingPackage.optional(),
  references: z.array(z.string()).describe("Ids of the saved documents this one references."),
  dataKey: wrappedDataKey.nullable(),
  overwrite: z
    .boolean()
    .optional()
    .describe("Replace an existing document without naming its revision."),
});

const blockTypeBody = z.object({
  type: z.string(),
  title: z.string(),
  description: z.string(),
  documentationUrl: z.string().optional(),
  logoUrl: z.string().optional(),
  capabilities: z.array(z.string()),
  schemaVersion: z.string(),
  checksum: z.string(),
  jsonSchema: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()),
  package: definingPackage.optional(),
  registeredAt: z.string(),
});

const actorDescription =
  "Who wrote this revision: token:<token name> for a write through the server (whatever a request body claims), user:<name> for a local one; absent when not recorded.";

/** A stored document as the server returns it (described in the OpenAPI document only). */
const storedDocument = documentBody.omit({ overwrite: true }).extend({
  type: z.string(),
  name: z.string(),
  revision: z.int().min(1).describe("The revision number; also the response's ETag."),
  dataKey: wrappedDataKey
    .nullable()
    .describe("The wrapped data key; null for a read-scoped token or a document without secrets."),
  createdAt: z.string(),
  updatedAt: z.string(),
  actor: z.string().optional().describe(actorDescription),
});

/** One entry of a document's history (described in the OpenAPI document only). */
const revisionSummary = z.object({
  revision: z.int().min(1),
  schemaChecksum: z.string(),
  schemaVersion: z.string(),
  updatedAt: z.string(),
  operation: z.enum(["save", "rollback", "rename"]),
  restoredFrom: z.int().min(1).optional().describe("For a rollback, the revision it restored."),
  actor: z.string().optional().describe(actorDescription),
});

/** The body of every error response. */
const errorBody = z.object({
  error: z.looseObject({
    code: z.string().describe("A stable code, the same as the library's (BLOCK_NOT_FOUND, …)."),
    message: z.string().describe("What happened and what to do; never a secret value."),
  }),
});

const slugParams = z.object({
  type: z.string().describe("The block type slug, such as s3-bucket."),
  name: z.string().describe("The document's name, such as results."),
});
const idParams = z.object({ id: z.string().describe("The document's immutable id.") });
const typeParams = z.object({ type: z.string().describe("The block type slug.") });
const metaParams = z.object({ key: z.string() });

const conditionHeaders = z.object({
  "if-match": z
    .string()
    .optional()
    .describe('The revision the write expects, as the document\'s ETag ("3"); stale → 409.'),
  "if-none-match": z.string().optional().describe('"*": create only; an existing document → 409.'),
});
const revisionBody = z.object({ revision: z.int().min(1) });
const renameBody = z.object({ name: z.string().min(1) });
const revisionQuery = z.object({
  revision: z.int().min(1).optional().describe("Load this revision instead of the newest."),
});
const forceQuery = z.object({
  force: z.boolean().optional().describe("Delete even while other documents reference it."),
});

/**
 * What a successful answer of a route is, for the OpenAPI document. `described`: the route's own
 * response schema (given where the route is registered) describes it; `etag` adds the ETag header.
 */
type Success =
  | { status: 200 | 201; kind: "document" }
  | { status: 200; kind: "described"; etag?: boolean }
  | { status: 200; kind: "json" }
  | { status: 200; kind: "history" }
  | { status: 204; kind: "empty" }
  | { status: 200; kind: "events" };

/** One route of the API. */
export interface ApiRoute {
  summary: string;
  tag: string;
  params?: z.ZodObject;
  querystring?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodObject;
  success: Success;
  /** Served without a token (health, readiness, this document). @default false */
  open?: boolean;
}

const documentForms = [
  { prefix: "/v1/documents/:type/:name", params: slugParams, by: "slug" },
  { prefix: "/v1/document-ids/:id", params: idParams, by: "id" },
] as const;

function documentRoutes(): Record<string, ApiRoute> {
  const routes: Record<string, ApiRoute> = {};
  for (const { prefix, params, by } of documentForms) {
    routes[`GET ${prefix}`] = {
      summary: `Load a document by ${by} (the newest revision, or ?revision=)`,
      tag: "documents",
      params,
      querystring: revisionQuery,
      success: { status: 200, kind: "document" },
    };
    routes[`DELETE ${prefix}`] = {
      summary: `Delete a document by ${by}; refused while others reference it unless ?force=true`,
      tag: "documents",
      params,
      querystring: forceQuery,
      success: { status: 204, kind: "empty" },
    };
    routes[`POST ${prefix}/rename`] = {
      summary: `Rename a document found by ${by}`,
      tag: "documents",
      params,
      headers: conditionHeaders,
      body: renameBody,
      success: { status: 200, kind: "document" },
    };
    routes[`POST ${prefix}/rollback`] = {
      summary: `Write an earlier revision of a document found by ${by} as its newest`,
      tag: "documents",
      params,
      headers: conditionHeaders,
      body: revisionBody,
      success: { status: 200, kind: "document" },
    };
    routes[`GET ${prefix}/history`] = {
      summary: `The kept revisions of a document found by ${by}, newest first, with who wrote each`,
      tag: "documents",
      params,
      success: { status: 200, kind: "history" },
    };
  }
  return routes;
}

/** Routes registered with their own zod schemas (block values, data keys in clear). */
const routesWithOwnSchemas: Record<string, ApiRoute> = {
  "GET /v1/blocks/:type/:name": {
    summary: "Load a block as a value: secrets shown as set, or revealed with ?reveal=true",
    tag: "blocks",
    success: { status: 200, kind: "described", etag: true },
  },
  "PUT /v1/blocks/:type/:name": {
    summary: "Save a block as a value, validated by its block class (If-Match or If-None-Match: *)",
    tag: "blocks",
    headers: conditionHeaders,
    success: { status: 200, kind: "described", etag: true },
  },
  "POST /v1/blocks/:type/:name/validate": {
    summary: "Validate a block value without saving it",
    tag: "blocks",
    success: { status: 200, kind: "described" },
  },
  "POST /v1/data-keys/generate": {
    summary: "A fresh data key, wrapped by the server's current master key and in clear",
    tag: "keys",
    success: { status: 200, kind: "described" },
  },
  "POST /v1/document-ids/:id/data-key/decrypt": {
    summary: "One document's data key in clear (reveal scope)",
    tag: "keys",
    success: { status: 200, kind: "described" },
  },
};

/**
 * Every route the server registers, keyed `METHOD /path/:param` as Fastify names it. A route
 * missing here is refused when the server is created, so the OpenAPI document always lists every
 * route.
 */
export const apiRoutes: Record<string, ApiRoute> = {
  "GET /healthz": {
    summary: "Liveness: the process answers",
    tag: "health",
    open: true,
    success: { status: 200, kind: "json" },
  },
  "GET /readyz": {
    summary: "Readiness: the store answers (503 when it does not)",
    tag: "health",
    open: true,
    success: { status: 200, kind: "json" },
  },
  "GET /openapi.json": {
    summary: "This OpenAPI 3.1 document",
    tag: "health",
    open: true,
    success: { status: 200, kind: "json" },
  },
  "GET /v1/session": {
    summary: "The scope of the calling token (or web UI session)",
    tag: "store",
    success: { status: 200, kind: "json" },
  },
  "GET /v1/store": {
    summary: "The store's kind, limits and whether it has a change feed",
    tag: "store",
    success: { status: 200, kind: "json" },
  },
  "GET /v1/block-types": {
    summary: "Every registered block type, ordered by type",
    tag: "block types",
    success: { status: 200, kind: "json" },
  },
  "GET /v1/block-types/:type": {
    summary: "One registered block type with its JSON Schema",
    tag: "block types",
    params: typeParams,
    success: { status: 200, kind: "json" },
  },
  "PUT /v1/block-types/:type": {
    summary: "Register (or replace) a block type",
    tag: "block types",
    params: typeParams,
    body: blockTypeBody,
    success: { status: 204, kind: "empty" },
  },
  "GET /v1/documents": {
    summary: "List documents, one page at a time",
    tag: "documents",
    querystring: z.object({
      type: z.string().optional().describe("Only documents of this block type."),
      limit: z.int().min(1).max(1000).optional(),
      cursor: z.string().optional().describe("The nextCursor of the previous page."),
    }),
    success: { status: 200, kind: "json" },
  },
  "POST /v1/document-ids": {
    summary: "Load several documents by id",
    tag: "documents",
    body: z.object({ ids: z.array(z.string()).max(10000) }),
    success: { status: 200, kind: "json" },
  },
  "PUT /v1/documents/:type/:name": {
    summary: "Save a document: a new revision (201 when it creates the document)",
    tag: "documents",
    params: slugParams,
    headers: conditionHeaders,
    body: documentBody,
    success: { status: 200, kind: "document" },
  },
  ...documentRoutes(),
  ...routesWithOwnSchemas,
  "GET /v1/document-ids/:id/referrers": {
    summary: "Documents whose newest revision references this one",
    tag: "documents",
    params: idParams,
    success: { status: 200, kind: "json" },
  },
  "GET /v1/data-keys": {
    summary: "Data keys wrapped by a master key other than the given one (key rotation)",
    tag: "keys",
    querystring: z.object({
      notMasterKeyId: z.string(),
      afterId: z.string().optional(),
      limit: z.int().min(1).optional(),
    }),
    success: { status: 200, kind: "json" },
  },
  "POST /v1/document-ids/:id/data-key": {
    summary: "Replace a document's wrapped data key if it is still the expected one",
    tag: "keys",
    params: idParams,
    body: z.object({ expected: wrappedDataKey, next: wrappedDataKey }),
    success: { status: 200, kind: "json" },
  },
  "GET /v1/master-keys": {
    summary: "The master key ids this store has used, and the current one",
    tag: "keys",
    success: { status: 200, kind: "json" },
  },
  "PUT /v1/master-keys/current": {
    summary: "Record the current master key (compare-and-swap on the previous one)",
    tag: "keys",
    body: z.object({ id: z.string().min(1), expectedCurrent: z.string().nullable().optional() }),
    success: { status: 200, kind: "json" },
  },
  "GET /v1/meta/:key": {
    summary: "Read a store metadata value",
    tag: "store",
    params: metaParams,
    success: { status: 200, kind: "json" },
  },
  "PUT /v1/meta/:key": {
    summary:
      "Write a store metadata value (compare-and-swap on `expected`: `null` for none); answers `{ written }`",
    tag: "store",
    params: metaParams,
    body: z.object({ value: z.string(), expected: z.string().nullable().optional() }),
    success: { status: 200, kind: "json" },
  },
  "GET /v1/changes": {
    summary: "The change feed as Server-Sent Events: `ready`, then one `change` per commit",
    tag: "documents",
    querystring: z.object({
      slug: z.union([z.string(), z.array(z.string())]).optional(),
      type: z.union([z.string(), z.array(z.string())]).optional(),
    }),
    success: { status: 200, kind: "events" },
  },
};

/** A zod schema as JSON Schema that Fastify's Ajv (draft-07) accepts. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "input",
  }) as Record<string, unknown>;
  return rest;
}

/** The route's key in `apiRoutes` (a HEAD route Fastify adds is described by its GET). */
function routeKey(method: string, url: string): string {
  return `${method === "HEAD" ? "GET" : method} ${url}`;
}

/**
 * The Fastify `schema` of a route in `apiRoutes`: request schemas for validation, plus the
 * summary, tag and security that `@fastify/swagger` reads. Throws for a route missing from the
 * table.
 */
export function routeSchema(method: string, url: string): Record<string, unknown> {
  const route = apiRoutes[routeKey(method, url)];
  if (!route) {
    throw new Error(
      `The route ${method} ${url} has no entry in the server's API schemas (server/api-schemas.ts): add one, so it is validated and listed in /openapi.json.`,
    );
  }
  return {
    summary: route.summary,
    tags: [route.tag],
    ...(route.open ? { security: [] } : {}),
    ...(route.params ? { params: jsonSchema(route.params) } : {}),
    ...(route.querystring ? { querystring: jsonSchema(route.querystring) } : {}),
    ...(route.headers ? { headers: jsonSchema(route.headers) } : {}),
    ...(route.body ? { body: jsonSchema(route.body) } : {}),
  };
}

type OpenApiOperation = {
  responses?: Record<string, Record<string, unknown>>;
  security?: unknown[];
};

const errorReference = { $ref: "#/components/schemas/Error" };
const errorContent = { "application/json": { schema: errorReference } };

/**
 * The responses of one operation: its success, and the errors any route can answer. `built` are
 * the responses @fastify/swagger made from a route's own response schemas.
 */
function responsesOf(
  key: string,
  route: ApiRoute,
  built: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const { success } = route;
  const responses: Record<string, unknown> = {};
  const etag = {
    ETag: {
      description: 'The document\'s revision ("3"); send it back as If-Match to write.',
      schema: { type: "string" },
    },
  };
  if (success.kind === "described") {
    for (const [status, response] of Object.entries(built)) {
      responses[status] = success.etag
        ? { ...response, headers: { ...(response.headers as object), ...etag } }
        : response;
    }
  } else if (success.kind === "document") {
    const document = {
      headers: etag,
      content: { "application/json": { schema: { $ref: "#/components/schemas/StoredDocument" } } },
    };
    responses["200"] = { description: "The document", ...document };
    if (key.startsWith("PUT /v1/documents/")) {
      responses["201"] = { description: "The document, created by this write", ...document };
    }
  } else if (success.kind === "history") {
    responses["200"] = {
      description: "The kept revisions, newest first",
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["items"],
            properties: {
              items: { type: "array", items: { $ref: "#/components/schemas/RevisionSummary" } },
            },
          },
        },
      },
    };
  } else if (success.kind === "empty") {
    responses["204"] = { description: "Done" };
  } else if (success.kind === "events") {
    responses["200"] = {
      description: "A stream of Server-Sent Events",
      content: { "text/event-stream": { schema: { type: "string" } } },
    };
  } else {
    responses["200"] = {
      description: "OK",
      content: { "application/json": { schema: { type: "object" } } },
    };
  }
  if (!route.open) {
    responses["401"] = { description: "No token, or an unknown one", content: errorContent };
    responses["403"] = {
      description: "The token's scope does not allow this route",
      content: errorContent,
    };
  }
  if (route.headers) {
    responses["409"] = {
      description: "REVISION_CONFLICT: If-Match names a revision that is no longer the newest",
      content: errorContent,
    };
  }
  responses.default = { description: "An error, with a stable code", content: errorContent };
  return responses;
}

/**
 * Completes the document `@fastify/swagger` built from the routes: bearer security, the error and
 * document shapes, and each operation's responses (with `ETag` on document responses).
 */
export function completeOpenApiDocument(
  document: Record<string, unknown>,
): Record<string, unknown> {
  const paths = (document.paths ?? {}) as Record<string, Record<string, OpenApiOperation>>;
  for (const [path, operations] of Object.entries(paths)) {
    const url = path.replace(/\{([^}]+)\}/g, ":$1");
    for (const [method, operation] of Object.entries(operations)) {
      const key = routeKey(method.toUpperCase(), url);
      const route = apiRoutes[key];
      if (route) operation.responses = responsesOf(key, route, operation.responses ?? {}) as never;
    }
  }
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>;
  return {
    ...document,
    components: {
      ...components,
      securitySchemes: {
        ...components.securitySchemes,
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API token made by `tessera token create` (tsk_…).",
        },
      },
      schemas: {
        ...components.schemas,
        Error: jsonSchema(errorBody),
        StoredDocument: jsonSchema(storedDocument),
        RevisionSummary: jsonSchema(revisionSummary),
      },
    },
    security: [{ bearer: [] }],
  };
}
