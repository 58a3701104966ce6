import { secretMarkerKey } from "../protocol/index.js";
import { isSecretSchema } from "../schema/index.js";
import { definitionOf } from "./block-internals.js";
import { isBlockOfType, nestedFieldClass } from "./nested-field.js";

/**
 * True when parsing `value` with the schema it was made for would succeed and return `value`
 * itself (for objects: an object with the same keys, in the same order, holding the same values).
 */
type PassThroughCheck = (value: unknown) => boolean;

/** The parts of a zod schema's internals the checks read. */
interface ZodInternals {
  _zod?: {
    def?: {
      type?: string;
      checks?: readonly unknown[];
      coerce?: boolean;
      innerType?: unknown;
      shape?: Record<string, unknown>;
    };
    traits?: { has(trait: string): boolean };
  };
}

/** Compiled checks per block schema (`null`: the schema has parts the checks do not cover). */
const compiled = new WeakMap<object, PassThroughCheck | null>();

/**
 * Whether the fields decoded from a stored document are exactly what validating them with the
 * block schema would return, so the validation can be skipped. It only says yes when the answer
 * is certain: every part of the schema is a plain string, number or boolean (no checks, formats
 * or coercion), a `secret()` field holding a `SecretValue`, a nested block field holding an
 * instance of its type, an object of those with every key present in schema order and no other
 * key, or `.optional()`, `.nullable()` or `.default()` around them. Anything else (refinements,
 * transforms, arrays, records, unions, enums, missing keys, …) answers false and the caller
 * validates with zod as usual, with zod's own problems on failure.
 */
export function passesUnchanged(schema: object, fields: Record<string, unknown>): boolean {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compileField(schema, 0) ?? null;
    compiled.set(schema, check);
  }
  return check?.(fields) === true;
}

/** How deep the compiler follows plain objects (deeper schemas are left to zod). */
const MAX_DEPTH = 16;

function compileField(schema: unknown, depth: number): PassThroughCheck | undefined {
  if (depth > MAX_DEPTH || typeof schema !== "object" || schema === null) return undefined;
  if (isSecretSchema(schema)) return isSecretValue;
  const NestedClass = nestedFieldClass(schema);
  if (NestedClass) {
    const type = definitionOf(NestedClass)?.type;
    return type === undefined ? undefined : (value) => isBlockOfType(value, type);
  }
  const internals = (schema as ZodInternals)._zod;
  const definition = internals?.def;
  // A schema that is itself a check (`z.email()`, …) or carries checks (`.min()`, `.int()`,
  // `.refine()`, …) does more than its type says.
  if (!definition || !internals.traits || internals.traits.has("$ZodCheck")) return undefined;
  if (definition.checks !== undefined && definition.checks.length > 0) return undefined;
  switch (definition.type) {
    case "string":
      return definition.coerce ? undefined : isString;
    case "number":
      return definition.coerce ? undefined : isFiniteNumber;
    case "boolean":
      return definition.coerce ? undefined : isBoolean;
    case "optional":
    case "default": {
      // Both parse a present value with the inner schema.
      const inner = compileField(definition.innerType, depth + 1);
      return inner && ((value) => value !== undefined && inner(value));
    }
    case "nullable": {
      const inner = compileField(definition.innerType, depth + 1);
      return inner && ((value) => value === null || inner(value));
    }
    case "object":
      return compileObject((schema as { shape?: unknown }).shape ?? definition.shape, depth);
    default:
      return undefined;
  }
}

function compileObject(shape: unknown, depth: number): PassThroughCheck | undefined {
  if (typeof shape !== "object" || shape === null) return undefined;
  if (Object.getOwnPropertySymbols(shape).length > 0) return undefined;
  const keys = Object.keys(shape);
  if (keys.includes("__proto__")) return undefined;
  const checks: PassThroughCheck[] = [];
  for (const key of keys) {
    const check = compileField((shape as Record<string, unknown>)[key], depth + 1);
    if (!check) return undefined;
    checks.push(check);
  }
  return (value) => {
    if (typeof value !== "object" || value === null) return false;
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    let index = 0;
    for (const key in value) {
      if (!Object.hasOwn(value, key) || key !== keys[index]) return false;
      if (!checks[index]!((value as Record<string, unknown>)[key])) return false;
      index++;
    }
    return index === keys.length;
  };
}

/** The marker `SecretValue.isInstance` checks, the test the `secret()` transform starts with. */

function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[secretMarkerKey] === true
  );
}

function isString(value: unknown): boolean {
  return typeof value === "string";
}

function isFiniteNumber(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value);
}

function isBoolean(value: unknown): boolean {
  return typeof value === "boolean";
}
