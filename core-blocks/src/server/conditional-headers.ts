import type { FastifyRequest } from "fastify";
import { InvalidInputError } from "../errors/index.js";

/** The revision an `If-Match` header names, `0` for `If-None-Match: *`, else undefined. */
export function expectedRevision(request: FastifyRequest): number | undefined {
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === "*") return 0;
    throw new InvalidInputError({
      subject: "If-None-Match",
      message: 'If-None-Match accepts only "*" (create only).',
    });
  }
  const ifMatch = request.headers["if-match"];
  if (ifMatch === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(ifMatch);
  if (!match) {
    throw new InvalidInputError({
      subject: "If-Match",
      message: `If-Match must be a document's ETag, such as "3" (its revision).`,
    });
  }
  return Number(match[1]);
}
