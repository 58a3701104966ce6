/**
 * `tessera server`: the `BlockStore` operations as HTTP resources, so workers reach the registry
 * without database credentials.
 *
 * Keys. Encryption happens above the backends (see the `BlockStore` contract): on the document
 * routes the server hands out stored documents exactly as a SQLite or PostgreSQL store would,
 * secret fields as ciphertext and data keys wrapped by a master key, and a client holding the
 * master key (`HttpStore` with `TESSERA_ENCRYPTION_KEY` or a key file, admin tooling, key
 * rotation) decrypts them itself. Only an `admin` token gets documents with their wrapped data
 * keys; `read`, `write` and `reveal` tokens see secrets masked, so they cannot decrypt even with
 * the master key. The server's own key source (the same one the CLI
 * uses: `TESSERA_ENCRYPTION_KEY`, else the key file of its `TESSERA_HOME`) serves everyone else:
 * the value routes (`/v1/blocks`, see block-values-routes.ts) validate, seal and — for a `reveal`
 * token that asks — reveal on the server; and workers that hold no master key have the server
 * generate data keys (`POST /v1/data-keys/generate`, `write`) and unwrap one document's data key
 * (`POST /v1/document-ids/:id/data-key/decrypt`, `reveal`), like a key management service, while
 * they seal and open values themselves (see data-key-routes.ts).
 * Which scope reaches which route is the table in `route-scopes.ts`; token checks, their cache
 * and type limits are in `token-auth.ts` and `type-limits.ts`.
 *
 * Fastify is imported when a server is created, so processes that never start one do not load it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import packageJson from "../../package.json" with { type: "json" };
import { InvalidInputError } from "../errors/index.js";
import type {
  BlockStore,
  BlockTypeRecord,
  DocumentRef,
  PutDocumentInput,
  StoredDocument,
  WatchOptions,
  WrappedDataKey,
} from "../store/index.js";
import { storeWritingAs } from "./actor-store.js";
import { completeOpenApiDocument, routeSchema } from "./api-schemas.js";
import { registerBlockValueRoutes } from "./block-values-routes.js";
import { expectedRevision } from "./conditional-headers.js";
import { registerDataKeyRoutes } from "./data-key-routes.js";
import { errorResponse } from "./http-errors.js";
import { checkListenPolicy } from "./listen-policy.js";
import { notFound } from "./not-found.js";
import { installTokenAuth, maySeeDataKeys, requestActor, requestToken } from "./token-auth.js";
import { registerUiRoutes, type UiOptions, type UiSessions } from "./ui-routes.js";

/** Settings of `createServer`. */
export interface ServerOptions {
  /** The store the server answers from. It is not closed when the server closes. */
  store: BlockStore;
  /**
   * Largest request body accepted, in bytes; larger bodies are refused with 413.
   * @default store.limits.maxDocumentBytes + 256 KiB (a document at the limit plus its envelope)
   */
  bodyLimit?: number;
  /** Certificate and key (PEM) to serve HTTPS. @default undefined (plain HTTP) */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * `tokens`: every `/v1` request needs `Authorization: Bearer <token>` made by `createApiToken`
   * (`tessera token create`), and the token's scope must allow the route; `none`: no checks (an
   * embedding application that authenticates requests itself, tests).
   * @default "tokens"
   */
  auth?: "tokens" | "none";
  /**
   * How long a token record looked up in the store is reused, in milliseconds, so a request does
   * not always cost a store round trip. A token revoked through this server stops working at
   * once; one revoked through another server or the command line, within this time. Expiry is
   * checked on every request. `0` looks every token up on every request.
   * @default 5000
   */
  tokenCacheMs?: number;
  /**
   * Log each request (method, path, status; never bodies or headers) to standard error.
   * @default false
   */
  log?: boolean;
  /** The web UI at `/ui/` (see ui-routes.ts). @default {} (served; sign-in with API tokens) */
  ui?: UiOptions;
}

/** A running (or ready to run) server. */
export interface TesseraServer {
  /**
   * Starts listening. Plain HTTP on an address other than loopback is refused
   * (`INVALID_INPUT`) unless `insecureHttp`. Resolves to the server's URL.
   */
  listen(options?: {
    /** @default "127.0.0.1" */
    host?: string;
    /** @default 0 (any free port) */
    port?: number;
    /** Allow plain HTTP on a non-loopback address. @default false */
    insecureHttp?: boolean;
  }): Promise<string>;
  /**
   * Every route the server registered (`HEAD` routes included), as Fastify names them, for audits
   * such as checking that each one has an entry in the scope table.
   */
  readonly routes: ReadonlyArray<{ method: string; url: string }>;
  /** Stops accepting requests, ends open change feeds and waits for running requests. */
  close(): Promise<void>;
}

/**
 * A document as the request's token may see it: only `admin` tokens get its wrapped data key, so
 * holders of other tokens cannot decrypt its secrets even with the master key.
 */
function visible(request: FastifyRequest, document: StoredDocument): StoredDocument {
  return maySeeDataKeys(request) ? document : { ...document, dataKey: null };
}

function sendDocument(
  request: FastifyRequest,
  reply: FastifyReply,
  document: StoredDocument,
  status = 200,
) {
  return reply
    .code(status)
    .header("etag", `"${document.revision}"`)
    .send(visible(request, document));
}

function revisionQuery(request: FastifyRequest): { revision?: number } {
  const { revision } = request.query as { revision?: number };
  return revision === undefined ? {} : { revision };
}

/**
 * Makes the HTTP server over `store`. Routes (JSON; errors are `{ error: { code, message } }`):
 * `GET /healthz`, `GET /readyz`, `GET /v1/store`; block types under `/v1/block-types`; documents
 * by slug under `/v1/documents/:type/:name` and by id under `/v1/document-ids/:id` (`GET`,
 * `PUT` (slug only), `DELETE`, `/rename`, `/rollback`, `/history`, `/referrers` (id only));
 * `POST /v1/document-ids` (several by id), `GET /v1/documents` (list), `/v1/data-keys`,
 * `/v1/master-keys`, `/v1/meta/:key` and `GET /v1/changes` (Server-Sent Events). Every document
 * response carries its revision as `ETag`; writes take `If-Match` (or `If-None-Match: *`), and a
 * stale one is 409 `REVISION_CONFLICT`.
 */
export async function createServer(options: ServerOptions): Promise<TesseraServer> {
  const { default: fastify } = await import("fastify");
  const { store } = options;
  /**
   * The store as a request writes to it: each revision records the request's token
   * (`token:<name>`), never an actor the body claims; nothing without token checks. One per actor,
   * kept, so what is cached per store (the secrets cipher) is made once per token, not per request.
   */
  const writers = new Map<string | undefined, BlockStore>();
  const writer = (request: FastifyRequest): BlockStore => {
    const actor = requestActor(request);
    let found = writers.get(actor);
    if (found === undefined) {
      if (writers.size >= 1000) writers.clear();
      found = storeWritingAs(store, actor);
      writers.set(actor, found);
    }
    return found;
  };
  const bodyLimit = options.bodyLimit ?? store.limits.maxDocumentBytes + 256 * 1024;
  const app: FastifyInstance = fastify({
    bodyLimit,
    // Documents are data: keys named __proto__ or constructor are stored as given (JSON.parse
    // makes them own properties; nothing here merges request objects into others).
    onProtoPoisoning: "ignore",
    onConstructorPoisoning: "ignore",
    // Logs go to standard error (standard output carries the server's URL). A request is logged
    // as its method and path only: never headers (tokens) and never the query string.
    logger: options.log
      ? {
          level: "info",
          stream: process.stderr,
          redact: ["req.headers.authorization"],
          serializers: {
            req: (request: { method: string; url: string }) => ({
              method: request.method,
              url: request.url.split("?")[0],
            }),
          },
        }
      : false,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  const openFeeds = new Set<() => Promise<void>>();
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  let uiSessions: UiSessions | undefined;

  // Every route takes its request schemas, summary and security from the table in
  // api-schemas.ts (a route missing there is refused here), and @fastify/swagger collects them
  // into the OpenAPI document served at /openapi.json.
  // The web UI's pages and assets under /ui are not part of the API and are left out.
  app.addHook("onRoute", (route) => {
    if (route.url === "/ui" || route.url.startsWith("/ui/")) {
      route.schema = { ...route.schema, hide: true };
      return;
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    route.schema = { ...routeSchema(methods[0]!, route.url), ...route.schema };
  });
  const { default: swagger } = await import("@fastify/swagger");
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Tessera server",
        version: packageJson.version,
        description:
          "Typed, versioned configuration blocks over HTTP. Errors are `{ error: { code, message } }` with the library's stable codes; document responses carry the revision as `ETag`, and writes take `If-Match` (or `If-None-Match: *`).",
      },
    },
    transformObject: (built) =>
      completeOpenApiDocument(("openapiObject" in built ? built.openapiObject : {}) as never),
  });

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = errorResponse(error);
    if (status >= 500) reply.log.error({ code: body.error.code }, "request failed");
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: "NOT_FOUND",
        message: `No route ${request.method} ${request.url.split("?")[0]}. The routes are listed at /openapi.json.`,
      },
    }),
  );

  if ((options.auth ?? "tokens") === "tokens") {
    installTokenAuth(app, {
      store,
      tokenCacheMs: options.tokenCacheMs ?? 5000,
      sessionScope: (token) => uiSessions?.scopeOf(token),
    });
  }

  uiSessions = await registerUiRoutes(app, {
    ...options.ui,
    scopeOf: (request) => requestToken(request)?.scope ?? "admin",
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/openapi.json", async () => app.swagger());
  app.get("/readyz", async (_request, reply) => {
    try {
      await store.getMeta("readiness-probe");
      return { status: "ready" };
    } catch (error) {
      const { body } = errorResponse(error);
      return reply.code(503).send(body);
    }
  });
  app.get("/v1/store", async () => ({
    kind: store.kind,
    limits: store.limits,
    watch: store.watch !== undefined,
  }));

  registerBlockValueRoutes(app, store, writer);
  registerDataKeyRoutes(app, store);

  // Block types.
  app.get("/v1/block-types", async () => ({ items: await store.listBlockTypes() }));
  app.get<{ Params: { type: string } }>("/v1/block-types/:type", async (request, reply) => {
    const record = await store.getBlockType(request.params.type);
    if (record) return record;
    return reply.code(404).send({
      error: {
        code: "UNKNOWN_BLOCK_TYPE",
        message: `No block type "${request.params.type}" is registered in this store. List types with GET /v1/block-types.`,
      },
    });
  });
  app.put<{ Params: { type: string }; Body: BlockTypeRecord }>(
    "/v1/block-types/:type",
    async (request, reply) => {
      if (request.body.type !== request.params.type) {
        throw new InvalidInputError({
          subject: "type",
          message: `The body's type "${request.body.type}" differs from the URL's "${request.params.type}".`,
        });
      }
      await store.putBlockType(request.body);
      return reply.code(204).send();
    },
  );

  // Documents: listing and several by id.
  app.get<{ Querystring: { type?: string; limit?: number; cursor?: string } }>(
    "/v1/documents",
    async (request) => {
      const { type, limit, cursor } = request.query;
      return store.list({
        ...(type === undefined ? {} : { type }),
        ...(limit === undefined ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  );
  app.post<{ Body: { ids: string[] } }>("/v1/document-ids", async (request) => ({
    items: [...(await store.getMany(request.body.ids)).values()].map((document) =>
      visible(request, document),
    ),
  }));

  app.put<{
    Params: { type: string; name: string };
    Body: Omit<PutDocumentInput, "type" | "name">;
  }>("/v1/documents/:type/:name", async (request, reply) => {
    const { type, name } = request.params;
    const expected = expectedRevision(request);
    const { overwrite, ...fields } = request.body;
    const input: PutDocumentInput = {
      ...fields,
      type,
      name,
      ...(overwrite === undefined ? {} : { overwrite }),
      ...(expected === undefined ? {} : { expectedRevision: expected }),
    };
    const stored = await writer(request).put(input);
    return sendDocument(request, reply, stored, stored.revision === 1 ? 201 : 200);
  });

  // Routes shared by the slug and the id forms of a document.
  const refForms: Array<{
    prefix: string;
    ref: (params: Record<string, string>) => DocumentRef;
  }> = [
    {
      prefix: "/v1/documents/:type/:name",
      ref: ({ type, name }) => ({ type: type!, name: name! }),
    },
    { prefix: "/v1/document-ids/:id", ref: ({ id }) => ({ id: id! }) },
  ];
  for (const { prefix, ref } of refForms) {
    type Params = { Params: Record<string, string> };
    app.get<Params>(prefix, async (request, reply) => {
      const target = ref(request.params);
      const options = revisionQuery(request);
      const stored = await store.get(target, options);
      if (!stored) return reply.code(404).send(notFound(target, options.revision));
      return sendDocument(request, reply, stored);
    });
    app.delete<Params>(prefix, async (request, reply) => {
      const target = ref(request.params);
      const { force } = request.query as { force?: boolean };
      const deleted = await store.delete(target, force ? { force } : {});
      if (!deleted) return reply.code(404).send(notFound(target));
      return reply.code(204).send();
    });
    app.post<Params>(`${prefix}/rename`, async (request, reply) => {
      const expected = expectedRevision(request);
      const stored = await writer(request).rename(
        ref(request.params),
        (request.body as { name: string }).name,
        expected === undefined ? {} : { expectedRevision: expected },
      );
      return sendDocument(request, reply, stored);
    });
    app.post<Params>(`${prefix}/rollback`, async (request, reply) => {
      const expected = expectedRevision(request);
      const stored = await writer(request).rollback(
        ref(request.params),
        (request.body as { revision: number }).revision,
        expected === undefined ? {} : { expectedRevision: expected },
      );
      return sendDocument(request, reply, stored);
    });
    app.get<Params>(`${prefix}/history`, async (request) => {
      return { items: await store.history(ref(request.params)) };
    });
  }
  app.get<{ Params: { id: string } }>("/v1/document-ids/:id/referrers", async (request) => ({
    items: await store.referrers(request.params.id),
  }));

  // Data keys and master key records, for key rotation by a client holding the master key.
  app.get<{ Querystring: { notMasterKeyId: string; afterId?: string; limit?: number } }>(
    "/v1/data-keys",
    async (request) => {
      const { notMasterKeyId, afterId, limit } = request.query;
      return {
        items: await store.listDataKeys({
          notMasterKeyId,
          ...(afterId === undefined ? {} : { afterId }),
          ...(limit === undefined ? {} : { limit }),
        }),
      };
    },
  );
  app.post<{
    Params: { id: string };
    Body: { expected: WrappedDataKey; next: WrappedDataKey };
  }>("/v1/document-ids/:id/data-key", async (request) => {
    const { expected, next } = request.body;
    return { replaced: await store.replaceDataKey(request.params.id, expected, next) };
  });
  app.get("/v1/master-keys", async () => ({ items: await store.listMasterKeys() }));
  app.put<{ Body: { id: string; expectedCurrent?: string | null } }>(
    "/v1/master-keys/current",
    async (request) => {
      const { id, expectedCurrent } = request.body;
      return {
        changed: await store.setCurrentMasterKey(
          id,
          expectedCurrent === undefined ? {} : { expectedCurrent },
        ),
      };
    },
  );

  // Store metadata.
  app.get<{ Params: { key: string } }>("/v1/meta/:key", async (request) => {
    const value = await store.getMeta(request.params.key);
    return value === undefined ? {} : { value };
  });
  app.put<{ Params: { key: string }; Body: { value: string; expected?: string | null } }>(
    "/v1/meta/:key",
    async (request) => {
      const { value, expected } = request.body;
      return {
        written: await store.setMeta(
          request.params.key,
          value,
          expected === undefined ? {} : { expected },
        ),
      };
    },
  );

  // The change feed, as Server-Sent Events: a `ready` event once the store's watch listens,
  // then one `change` event per committed change.
  app.get<{ Querystring: { slug?: string | string[]; type?: string | string[] } }>(
    "/v1/changes",
    async (request, reply) => {
      // A HEAD asks only whether the feed is there: answer without holding a watch open.
      if (request.method === "HEAD") return reply.type("text/event-stream").send();
      if (!store.watch) {
        return reply.code(501).send({
          error: {
            code: "STORE_NOT_SUPPORTED",
            message: `The server's ${store.kind} store has no change feed.`,
          },
        });
      }
      const list = (value: string | string[] | undefined) =>
        value === undefined ? undefined : Array.isArray(value) ? value : [value];
      const slugs = list(request.query.slug);
      const types = list(request.query.type);
      const watchOptions: WatchOptions = {
        ...(slugs ? { slugs } : {}),
        ...(types ? { types } : {}),
      };
      const watch = await store.watch(watchOptions);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      response.write("event: ready\ndata: {}\n\n");
      const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), 15_000);
      let closed = false;
      const end = async () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        openFeeds.delete(end);
        await watch.close();
        response.end();
      };
      openFeeds.add(end);
      request.raw.on("close", () => void end());
      void (async () => {
        try {
          for await (const change of watch) {
            response.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
          }
        } catch {
          // The store's watch failed: ending the stream tells the client to watch again.
        } finally {
          await end();
        }
      })();
    },
  );

  return {
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? "127.0.0.1";
      checkListenPolicy({
        host,
        tls: options.tls !== undefined,
        insecureHttp: listenOptions.insecureHttp ?? false,
      });
      await app.listen({ host, port: listenOptions.port ?? 0 });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : listenOptions.port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      return `${options.tls ? "https" : "http"}://${shownHost}:${port}`;
    },
    routes,
    async close() {
      await Promise.all([...openFeeds].map((end) => end()));
      await app.close();
    },
  };
}
