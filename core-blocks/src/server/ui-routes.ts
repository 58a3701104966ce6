/**
 * The web UI's routes: the built single-page application under `/ui/` (static files from the
 * package's `dist/ui`), `GET /v1/session` (the scope of the request's token, so the UI hides
 * forms the token may not use) and, for `tessera ui`, `POST /ui/session`, which exchanges the
 * one-time code printed in the URL for a session token held in this process's memory.
 *
 * Content Security Policy. Every `/ui/` response carries a strict policy: scripts and styles only
 * from the server itself, no inline script, no frames, requests only to the server. One exception
 * is `'unsafe-eval'`: the forms validate against each block type's JSON Schema with AJV, which
 * compiles a schema to a function. Precompiled validators need the schemas at build time, and
 * block types are registered at run time, so the UI needs it. Without an inline script to inject,
 * an attacker has nothing to hand to `eval`.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { UnauthenticatedError } from "../errors/index.js";
import type { ApiTokenScope } from "./api-tokens.js";
import { addRouteHook } from "./route-hooks.js";

/** The Content-Security-Policy header of every `/ui/` response. */
const uiContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Settings of the web UI, part of `ServerOptions`. */
export interface UiOptions {
  /**
   * A code that `POST /ui/session` exchanges, once, for a session token with the `admin` scope,
   * valid while this process runs. `tessera ui` prints it in the URL's fragment.
   * @default undefined (sign-in with an API token only)
   */
  oneTimeCode?: string;
}

/** The session tokens the one-time code was exchanged for, held in this process only. */
export interface UiSessions {
  /** The scope of a session token made by this process, else undefined. */
  scopeOf(token: string): ApiTokenScope | undefined;
}

/**
 * The folder of the built UI: `dist/ui` of the package this file belongs to, found by walking up
 * to its package.json (this code runs from `dist/` when installed and from `src/` in the repo).
 */
export function uiAssetsDirectory(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "@tessera/core") {
        const assets = join(directory, "dist", "ui");
        return existsSync(join(assets, "index.html")) ? assets : undefined;
      }
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return undefined;
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Registers the UI's routes on `app`; `scopeOf` gives an authenticated request's scope. */
export async function registerUiRoutes(
  app: FastifyInstance,
  options: UiOptions & { scopeOf(request: FastifyRequest): ApiTokenScope },
): Promise<UiSessions> {
  const sessions = new Set<string>();
  let code = options.oneTimeCode;

  const pageHeaders = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header("content-security-policy", uiContentSecurityPolicy);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
  };
  app.addHook("onRoute", (route) => {
    if (route.url === "/ui" || route.url.startsWith("/ui/"))
      addRouteHook(route, "onSend", pageHeaders);
  });

  app.get("/v1/session", async (request) => ({ scope: options.scopeOf(request) }));
  app.post<{ Body: { code: string } }>(
    "/ui/session",
    {
      schema: {
        body: { type: "object", required: ["code"], properties: { code: { type: "string" } } },
      },
    },
    async (request) => {
      if (code === undefined || !sameText(request.body.code, code)) {
        throw new UnauthenticatedError({
          problem: "the sign-in code is wrong or was already used (each code works once)",
          advice: "Start `tessera ui` again for a new link, or sign in with an API token.",
        });
      }
      code = undefined;
      const token = randomBytes(32).toString("base64url");
      sessions.add(token);
      return { token, scope: "admin" };
    },
  );

  const root = uiAssetsDirectory();
  app.get("/ui", async (_request, reply) => reply.redirect("/ui/"));
  if (root) {
    const { default: fastifyStatic } = await import("@fastify/static");
    await app.register(fastifyStatic, {
      root,
      prefix: "/ui/",
      index: "index.html",
      cacheControl: false,
      setHeaders(reply, path) {
        // Hashed asset names change with their content; the page itself is always checked.
        reply.header(
          "cache-control",
          path.includes(`${join("ui", "assets")}`)
            ? "public, max-age=31536000, immutable"
            : "no-cache",
        );
      },
    });
  } else {
    app.get("/ui/*", async (_request, reply) =>
      reply.code(503).send({
        error: {
          code: "UI_NOT_BUILT",
          message:
            "This copy of @tessera/core has no built web UI (dist/ui). Run `pnpm build` in core-blocks, or install the published package.",
        },
      }),
    );
  }

  return { scopeOf: (token) => (sessions.has(token) ? "admin" : undefined) };
}
