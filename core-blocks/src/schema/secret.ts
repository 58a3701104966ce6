import { z } from "zod";
import { SecretValue } from "../secrets/index.js";
import type { JsonValue } from "./json.js";

/** Options of `secret()`. */
export interface SecretFieldOptions {
  /**
   * Accept any JSON value as the secret (a service-account object, a list of keys), not only a
   * string. A JSON string is kept as a string.
   * @default false
   */
  json?: boolean;
  /**
   * Checks a plaintext given in clear (not a reference, a keep marker or a stored secret) when the
   * field is parsed: on construction, on save and inside a parent block. Returns what is wrong, as
   * a message that must never repeat the plaintext, or `undefined` when it is fine. Use it for
   * shape checks a user should hear about before the value is first used (a key file that lacks a
   * field).
   * @default undefined (any plaintext of the field's kind)
   */
  check?(plaintext: JsonValue): string | undefined;
}

/** What a secret field accepts besides its plaintext. */
export type SecretFieldInput<T extends JsonValue> =
  | T
  | SecretValue<T>
  | SecretValue<never>
  | { $keep: true }
  | { $reference: string };

/** Definitions of `secret()` schemas, and whether each accepts any JSON value. */
const secretDefinitions = new WeakMap<object, boolean>();

/** A zod schema's definition object (shared by its clones), or `undefined`. */
function definitionOf(schema: unknown): object | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { _zod?: { def?: object } })._zod?.def;
}

/**
 * A secret field of a block schema. The parsed value is a `SecretValue`, masked wherever it is
 * printed; `await value.reveal()` gives the plaintext. Encrypted at rest.
 *
 * Accepts the plaintext (a string, or any JSON value with `{ json: true }`), an existing
 * `SecretValue`, `{ "$keep": true }` (keep the secret already stored at this path: write back
 * masked output) or `{ "$reference": "secret/db" | "env:NAME" | "<type>/<name>" }` (resolved when
 * revealed).
 *
 * In the JSON Schema it is `writeOnly: true, format: "password"`.
 */
export function secret(options?: {
  json?: false;
  check?: (plaintext: string) => string | undefined;
}): z.ZodType<SecretValue<string>, SecretFieldInput<string>>;
export function secret(options: {
  json: true;
  check?: (plaintext: JsonValue) => string | undefined;
}): z.ZodType<SecretValue<JsonValue>, SecretFieldInput<JsonValue>>;
export function secret(
  options: SecretFieldOptions = {},
): z.ZodType<SecretValue<JsonValue>, SecretFieldInput<JsonValue>> {
  const schema = z.unknown().transform((input, context) => {
    if (SecretValue.isInstance(input)) return input;
    if (typeof input === "object" && input !== null && !Array.isArray(input)) {
      const keys = Object.keys(input);
      if (keys.length === 1 && keys[0] === "$keep") {
        if ((input as { $keep: unknown }).$keep === true) {
          return SecretValue.keep() as SecretValue<JsonValue>;
        }
        context.addIssue({ code: "custom", message: 'the keep marker is { "$keep": true }' });
        return z.NEVER;
      }
      if (keys.length === 1 && keys[0] === "$reference") {
        const reference = (input as { $reference: unknown }).$reference;
        if (typeof reference === "string" && reference.length > 0) {
          try {
            return SecretValue.reference(reference);
          } catch (error) {
            context.addIssue({ code: "custom", message: (error as Error).message });
            return z.NEVER;
          }
        }
        context.addIssue({
          code: "custom",
          message:
            'a reference is { "$reference": "secret/<name>" | "env:NAME" | "<type>/<name>" }',
        });
        return z.NEVER;
      }
    }
    const plaintext =
      typeof input === "string" || (options.json && isJsonValue(input) && input !== undefined)
        ? (input as JsonValue)
        : undefined;
    if (plaintext !== undefined) {
      const problem = options.check?.(plaintext);
      if (problem !== undefined) {
        context.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }
      return SecretValue.from(plaintext);
    }
    context.addIssue({
      code: "custom",
      message: options.json
        ? "expected a secret: a JSON value, a SecretValue, a keep marker or a reference"
        : "expected a secret: a string, a SecretValue, a keep marker or a reference",
    });
    return z.NEVER;
  });
  // Keyed by the schema's definition, which `.describe()`, `.meta()` and other clones share.
  secretDefinitions.set(definitionOf(schema)!, options.json === true);
  return schema as unknown as z.ZodType<SecretValue<JsonValue>, SecretFieldInput<JsonValue>>;
}

/**
 * True for a schema made by `secret()` or a clone of one (`.describe()`, `.meta()`), not through
 * wrappers such as `.optional()`.
 */
export function isSecretSchema(schema: unknown): boolean {
  const definition = definitionOf(schema);
  return definition !== undefined && secretDefinitions.has(definition);
}

/** The JSON Schema of a secret field. */
export function secretJsonSchema(schema: unknown): Record<string, JsonValue> {
  const definition = definitionOf(schema);
  const json = definition !== undefined && secretDefinitions.get(definition) === true;
  return json
    ? { writeOnly: true, format: "password" }
    : { type: "string", writeOnly: true, format: "password" };
}

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 64) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === "object") {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}
