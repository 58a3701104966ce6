import type { RouteOptions } from "fastify";

type RouteHookName = "onRequest" | "preHandler" | "preSerialization" | "onSend";

/**
 * Adds `hook` to one route's own hooks, after any it has, from an `onRoute` hook: it then runs on
 * that route only, so other requests do not pay for a check that never concerns them.
 */
export function addRouteHook(route: RouteOptions, name: RouteHookName, hook: unknown): void {
  const hooks = route as unknown as Record<RouteHookName, unknown>;
  const existing = hooks[name];
  hooks[name] = existing === undefined ? [hook] : [...[existing].flat(), hook];
}
