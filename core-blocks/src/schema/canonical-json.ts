import { createRequire } from "node:module";

// The `canonicalize` package is CommonJS; load it once, here.
const canonicalize = createRequire(import.meta.url)("canonicalize") as (
  input: unknown,
) => string | undefined;

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a value: object keys sorted by UTF-16 code
 * units, numbers in their shortest ECMAScript form, no whitespace. The same value gives the same
 * text on every machine. `undefined` for a value JSON cannot represent (a function, `undefined`).
 */
export function canonicalJson(value: unknown): string | undefined {
  return canonicalize(value);
}
