import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ForbiddenError, InvalidInputError } from "../errors/index.js";
import type { BlockStore, DocumentSummary } from "../store/index.js";
import { notFound } from "./not-found.js";
import { addRouteHook } from "./route-hooks.js";

/** Routes about one document by slug: the raw documents and the blocks as values. */
const slugRoutePrefixes = ["/v1/documents/:type/:name", "/v1/blocks/:type/:name"];
const idRoutePrefix = "/v1/document-ids/:id";
/** Routes whose answer is `{ items }` of documents or summaries, each with its `type`. */
const listedRoutes = new Set(["POST /v1/document-ids", `GET ${idRoutePrefix}/referrers`]);
/** A type no block can have (not a valid slug), for a change feed that must match nothing. */
const noType = "-";

function listCursor(cursor: string | undefined): { type: string; cursor?: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(decoded) && typeof decoded[0] === "string") {
      return typeof decoded[1] === "string"
        ? { type: decoded[0], cursor: decoded[1] }
        : { type: decoded[0] };
    }
  } catch {
    // Reported below.
  }
  throw new InvalidInputError({
    subject: "cursor",
    message: `The list cursor "${cursor.slice(0, 40)}" is not one this server returned. Pass the nextCursor of the previous page unchanged, or omit it to start from the first page.`,
  });
}

const encodeListCursor = (type: string, cursor?: string) =>
  Buffer.from(JSON.stringify(cursor === undefined ? [type] : [type, cursor]), "utf8").toString(
    "base64url",
  );

/**
 * A token limited to block types (`tessera token create --types …`) reaches documents of those
 * types only, and learns nothing of others: a slug route of another type is refused (403) before
 * any lookup; by id, a document of another type is answered exactly like a missing one (404); in
 * lists and the change feed, documents of other types are left out.
 */
export function installTypeLimits(
  app: FastifyInstance,
  options: {
    store: BlockStore;
    tokenOf: (request: FastifyRequest) => { scope: string; types?: string[] } | undefined;
  },
): void {
  const { store, tokenOf } = options;
  const typesOf = (request: FastifyRequest) => tokenOf(request)?.types;

  const limitSlug = async (request: FastifyRequest) => {
    const token = tokenOf(request);
    const route = request.routeOptions.url;
    const types = token?.types;
    if (
      types === undefined ||
      route === undefined ||
      !slugRoutePrefixes.some((prefix) => route.startsWith(prefix))
    ) {
      return;
    }
    const { type } = request.params as { type: string };
    if (!types.includes(type)) {
      throw new ForbiddenError({ scope: token!.scope, allowed: [token!.scope], types, type });
    }
  };

  const limitLookup = async (request: FastifyRequest, reply: FastifyReply) => {
    const types = typesOf(request);
    const route = request.routeOptions.url;
    if (types === undefined || route === undefined) return;
    if (route.startsWith(idRoutePrefix)) {
      const { id } = request.params as { id: string };
      const { revision } = (request.query ?? {}) as { revision?: number };
      const document = await store.get({ id });
      if (document === undefined || !types.includes(document.type)) {
        const answer = request.method === "GET" && route === idRoutePrefix ? revision : undefined;
        return reply.code(404).send(notFound({ id }, answer));
      }
      return;
    }
    if (route === "/v1/changes") {
      const query = request.query as { type?: string | string[] };
      const asked = query.type === undefined ? types : [query.type].flat();
      const both = asked.filter((type) => types.includes(type));
      query.type = both.length > 0 ? both : [noType];
      return;
    }
    if (route === "/v1/documents" && request.method === "GET") {
      const query = request.query as { type?: string; limit?: number; cursor?: string };
      if (query.type !== undefined) {
        if (!types.includes(query.type)) return reply.send({ items: [] });
        return;
      }
      return reply.send(await listTypes(store, types, query.limit ?? 100, query.cursor));
    }
  };

  const leaveOutOtherTypes = async (
    request: FastifyRequest,
    _reply: FastifyReply,
    payload: unknown,
  ) => {
    const types = typesOf(request);
    const route = request.routeOptions.url;
    if (types === undefined || !listedRoutes.has(`${request.method} ${route}`)) return payload;
    const { items, ...rest } = payload as { items?: Array<{ type: string }> };
    if (!Array.isArray(items)) return payload;
    return { ...rest, items: items.filter((item) => types.includes(item.type)) };
  };

  // Each check is a hook of the routes it concerns only.
  app.addHook("onRoute", (route) => {
    const url = route.url;
    const methods = [route.method].flat();
    if (slugRoutePrefixes.some((prefix) => url.startsWith(prefix))) {
      addRouteHook(route, "onRequest", limitSlug);
    }
    if (url.startsWith(idRoutePrefix) || url === "/v1/changes" || url === "/v1/documents") {
      addRouteHook(route, "preHandler", limitLookup);
    }
    if (methods.some((method) => listedRoutes.has(`${method} ${url}`))) {
      addRouteHook(route, "preSerialization", leaveOutOtherTypes);
    }
  });
}

/** One page over several types, in the store's order (type, then name). */
async function listTypes(
  store: BlockStore,
  types: readonly string[],
  limit: number,
  cursor: string | undefined,
): Promise<{ items: DocumentSummary[]; nextCursor?: string }> {
  const from = listCursor(cursor);
  const items: DocumentSummary[] = [];
  for (const type of [...types].sort()) {
    if (from !== undefined && type < from.type) continue;
    const within = from !== undefined && type === from.type ? from.cursor : undefined;
    const page = await store.list({
      type,
      limit: limit - items.length,
      ...(within === undefined ? {} : { cursor: within }),
    });
    items.push(...page.items);
    if (items.length === limit) {
      if (page.nextCursor !== undefined) {
        return { items, nextCursor: encodeListCursor(type, page.nextCursor) };
      }
      const next = [...types].sort().find((other) => other > type);
      return next === undefined ? { items } : { items, nextCursor: encodeListCursor(next) };
    }
  }
  return { items };
}
