import type { ApiTokenScope } from "./api-tokens.js";
import { apiTokenMetaPrefix } from "./api-tokens.js";

/**
 * Who may reach a route: `open` (no token: health and readiness), `read` (every scope), `write`
 * (`write`, `admin`), `reveal` (`reveal`, `admin`: routes that return secret values) or `admin`.
 */
type RouteAccess = "open" | "read" | "write" | "reveal" | "admin";

/**
 * The access of every route the server registers, by `METHOD url` as Fastify names the route
 * (`HEAD` follows `GET`). A route missing here is `admin`, so a new route is closed until it is
 * given an entry.
 */
const routeAccess: Readonly<Record<string, RouteAccess>> = {
  "GET /healthz": "open",
  "GET /readyz": "open",
  "GET /openapi.json": "open",
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
  // Token records live in metadata under `api-token:`: those keys are admin whatever this says.
  // Other metadata names the module file each block type loads from: writing it is admin.
  "GET /v1/meta/:key": "read",
  "PUT /v1/meta/:key": "admin",
  "GET /v1/changes": "read",
  // Blocks as values (block-values-routes.ts): `?reveal=true` answers secret values, so a GET
  // that asks for it is `reveal` whatever this says.
  "GET /v1/blocks/:type/:name": "read",
  "PUT /v1/blocks/:type/:name": "write",
  "POST /v1/blocks/:type/:name/validate": "write",
  // Data keys for workers without a master key (data-key-routes.ts).
  "POST /v1/data-keys/generate": "write",
  "POST /v1/document-ids/:id/data-key/decrypt": "reveal",
  // The web UI (ui-routes.ts): the scope of the request's own token or session.
  "GET /v1/session": "read",
  // Its page, assets and one-time sign-in are open; everything they show comes from `/v1`.
  "GET /ui": "open",
  "GET /ui/*": "open",
  "GET /ui/": "open",
  "POST /ui/session": "open",
};

const scopesByAccess: Record<Exclude<RouteAccess, "open">, ApiTokenScope[]> = {
  read: ["read", "write", "reveal", "admin"],
  write: ["write", "admin"],
  reveal: ["reveal", "admin"],
  admin: ["admin"],
};

/** The access of a route (`undefined` route: one the server does not have, which is `admin`). */
function accessOf(
  method: string,
  route: string | undefined,
  params: { key?: string } = {},
  query: { reveal?: unknown } = {},
): RouteAccess {
  if (route === undefined) return "admin";
  if (
    route === "/v1/blocks/:type/:name" &&
    method !== "PUT" &&
    query.reveal !== undefined &&
    query.reveal !== "false"
  ) {
    return "reveal";
  }
  if (route === "/v1/meta/:key" && (params.key ?? "").startsWith(apiTokenMetaPrefix)) {
    return "admin";
  }
  return routeAccess[`${method === "HEAD" ? "GET" : method} ${route}`] ?? "admin";
}

/** The scopes that may use a route (see `routeAccess`); empty for an open one. */
export function scopesFor(
  method: string,
  route: string | undefined,
  params: { key?: string } = {},
  query: { reveal?: unknown } = {},
): ApiTokenScope[] {
  const access = accessOf(method, route, params, query);
  return access === "open" ? [] : scopesByAccess[access];
}
