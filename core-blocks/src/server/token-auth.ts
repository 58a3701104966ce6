import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ForbiddenError, UnauthenticatedError } from "../errors/index.js";
import { type BlockStore, localActor } from "../store/index.js";
import {
  type ApiTokenRecord,
  type ApiTokenScope,
  apiTokenMetaPrefix,
  findApiToken,
} from "./api-tokens.js";
import { addRouteHook } from "./route-hooks.js";
import { scopesFor } from "./route-scopes.js";
import { installTypeLimits } from "./type-limits.js";

/** The id of the token record of a web UI session (see `installTokenAuth`'s `sessionScope`). */
const uiSessionTokenId = "ui-session";

/** The token record of each authenticated request. */
const requestTokens = new WeakMap<FastifyRequest, ApiTokenRecord>();

/** The token a request was authenticated with; `undefined` on a server without token checks. */
export function requestToken(request: FastifyRequest): ApiTokenRecord | undefined {
  return requestTokens.get(request);
}

/**
 * Who a write made by the request is recorded as: `token:<the token's name>`. A web UI session of
 * `tessera ui` (opened with the one-time code printed to the user who started it) writes as that
 * user (`localActor`); a server without token checks records no actor.
 */
export function requestActor(request: FastifyRequest): string | undefined {
  const token = requestTokens.get(request);
  if (token === undefined) return undefined;
  if (token.id === uiSessionTokenId) return localActor();
  return `token:${token.name}`;
}

/**
 * Whether the request may see documents' wrapped data keys: only `admin` tokens (and servers
 * without token checks). Without the data key, even a holder of the master key cannot decrypt a
 * document's secrets, so `read`, `write` and `reveal` tokens see them masked.
 */
export function maySeeDataKeys(request: FastifyRequest): boolean {
  const token = requestTokens.get(request);
  return token === undefined || token.scope === "admin";
}

/**
 * Token records the server has looked up recently, by token hash, so a request does not always
 * cost a store round trip. Expiry is checked on every request against the cached record; a
 * revocation made through this server empties the cache at once, one made elsewhere is seen
 * within `ttlMs`.
 */
class TokenCache {
  readonly #entries = new Map<string, { record: ApiTokenRecord; at: number }>();

  constructor(
    private readonly store: BlockStore,
    private readonly ttlMs: number,
  ) {}

  async find(token: string): Promise<ApiTokenRecord | undefined> {
    if (this.ttlMs <= 0) return findApiToken(this.store, token);
    const hash = createHash("sha256").update(token).digest("hex");
    const cached = this.#entries.get(hash);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.record;
    const record = await findApiToken(this.store, token);
    // Unknown tokens are not remembered, so guessing cannot fill the cache.
    if (record === undefined) this.#entries.delete(hash);
    else {
      if (this.#entries.size >= 10_000) this.#entries.clear();
      this.#entries.set(hash, { record, at: Date.now() });
    }
    return record;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Every `/v1` request needs `Authorization: Bearer <token>`; the token must be known, not
 * expired, not revoked, and its scope must allow the route (`routeAccess`). Runs before the body
 * is read and before any lookup, so neither 401 nor 403 tells whether the block asked for exists.
 */
export function installTokenAuth(
  app: FastifyInstance,
  options: {
    store: BlockStore;
    tokenCacheMs: number;
    /** The scope of a web UI session token made by this process, else undefined. */
    sessionScope?: (token: string) => ApiTokenScope | undefined;
  },
): void {
  const cache = new TokenCache(options.store, options.tokenCacheMs);
  app.addHook("onRequest", async (request) => {
    const route = request.routeOptions.url;
    const params = request.params as { key?: string };
    const allowed = scopesFor(
      request.method,
      route,
      params,
      (request.query ?? {}) as { reveal?: unknown },
    );
    if (allowed.length === 0) return;
    const header = request.headers.authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
    if (!match) {
      throw new UnauthenticatedError({
        problem:
          header === undefined
            ? "the request carries no Authorization: Bearer token"
            : "its Authorization header is not of the form Bearer <token>",
      });
    }
    const sessionScope = options.sessionScope?.(match[1]!);
    const record: ApiTokenRecord | undefined = sessionScope
      ? { id: uiSessionTokenId, name: "ui-session", scope: sessionScope, createdAt: "" }
      : await cache.find(match[1]!);
    if (!record) {
      throw new UnauthenticatedError({
        problem: "the server knows no such token (mistyped, or made for another store)",
      });
    }
    if (record.revokedAt !== undefined) {
      throw new UnauthenticatedError({
        problem: `the token "${record.name}" was revoked at ${record.revokedAt}`,
        advice: "Ask an admin for a new token (`tessera token create`).",
      });
    }
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now()) {
      throw new UnauthenticatedError({
        problem: `the token "${record.name}" expired at ${record.expiresAt}`,
        advice: "Ask an admin for a new token (`tessera token create --expires …`).",
      });
    }
    if (!allowed.includes(record.scope)) {
      throw new ForbiddenError({ scope: record.scope, allowed });
    }
    requestTokens.set(request, record);
  });
  // A token record written through this server (a revocation by `tessera token revoke` over
  // HTTP) takes effect for the next request at once.
  const clearOnTokenWrite = async (request: FastifyRequest, _reply: unknown, payload: unknown) => {
    const key = (request.params as { key?: string } | undefined)?.key;
    if (key?.startsWith(apiTokenMetaPrefix)) cache.clear();
    return payload;
  };
  app.addHook("onRoute", (route) => {
    if (route.url === "/v1/meta/:key" && [route.method].flat().includes("PUT")) {
      addRouteHook(route, "onSend", clearOnTokenWrite);
    }
  });
  installTypeLimits(app, { store: options.store, tokenOf: requestToken });
}
