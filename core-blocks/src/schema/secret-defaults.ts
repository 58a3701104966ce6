import { isSecretSchema } from "./secret.js";

/**
 * Gives the schema of a nested block field (its block type's object schema), or `undefined` for
 * any other schema. The schema folder does not know block classes; the block model passes this.
 */
export type NestedSchemaOf = (schema: unknown) => unknown;

/** The parts of a zod 4 definition this walk reads. */
interface ZodDefinition {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
  left?: unknown;
  right?: unknown;
  items?: unknown[];
  rest?: unknown;
  in?: unknown;
  out?: unknown;
  getter?: () => unknown;
  defaultValue?: unknown;
  catchValue?: (context: unknown) => unknown;
}

const MAX_DEPTH = 64;
/** Stands for "any key or item" in a location (a record's values, an array's items). */
const ANY = "*";

function definitionOf(schema: unknown): ZodDefinition | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { _zod?: { def?: ZodDefinition } })._zod?.def;
}

/** The schemas a schema is made of, each with the path step that leads into it (none: same place). */
function childrenOf(definition: ZodDefinition): Array<[step: string | undefined, schema: unknown]> {
  switch (definition.type) {
    case "object":
      return Object.entries(definition.shape ?? {});
    case "array":
      return [[ANY, definition.element]];
    case "record":
      return [[ANY, definition.valueType]];
    case "tuple":
      return [
        ...(definition.items ?? []).map((item, index): [string, unknown] => [String(index), item]),
        ...(definition.rest ? ([[ANY, definition.rest]] as Array<[string, unknown]>) : []),
      ];
    case "union":
      return (definition.options ?? []).map((option): [undefined, unknown] => [undefined, option]);
    case "intersection":
      return [
        [undefined, definition.left],
        [undefined, definition.right],
      ];
    case "pipe":
      return [
        [undefined, definition.in],
        [undefined, definition.out],
      ];
    case "lazy":
      return [[undefined, definition.getter?.()]];
    default:
      return definition.innerType === undefined ? [] : [[undefined, definition.innerType]];
  }
}

/** Where, relative to `schema`, secret fields sit: `[]` for a secret itself, `["token"]`, `["*"]`. */
function secretLocations(
  schema: unknown,
  nestedSchemaOf: NestedSchemaOf,
  depth = 0,
  active = new Set<object>(),
): string[][] {
  if (isSecretSchema(schema)) return [[]];
  const nested = nestedSchemaOf(schema);
  if (nested !== undefined) return secretLocations(nested, nestedSchemaOf, depth + 1, active);
  const definition = definitionOf(schema);
  if (definition === undefined || depth > MAX_DEPTH || active.has(definition)) return [];
  active.add(definition);
  const found = childrenOf(definition).flatMap(([step, child]) =>
    secretLocations(child, nestedSchemaOf, depth + 1, active).map((location) =>
      step === undefined ? location : [step, ...location],
    ),
  );
  active.delete(definition);
  return found;
}

/** A secret reference (`{ "$reference": "env:NAME" }`) names a secret; it is not one. */
function isReference(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "$reference";
}

/** True when `value` holds something other than nothing or a reference at `location`. */
function holdsValueAt(value: unknown, location: readonly string[]): boolean {
  if (value === undefined || value === null) return false;
  if (location.length === 0) return !isReference(value);
  if (typeof value !== "object") return false;
  const [step, ...rest] = location as [string, ...string[]];
  const children = step === ANY ? Object.values(value) : [(value as Record<string, unknown>)[step]];
  return children.some((child) => holdsValueAt(child, rest));
}

/** The value a `default`, `prefault` or `catch` wrapper gives, or `undefined`. */
function fallbackValue(definition: ZodDefinition): unknown {
  try {
    if (definition.type === "default" || definition.type === "prefault") {
      return definition.defaultValue;
    }
    if (definition.type === "catch") {
      return definition.catchValue?.({
        issues: [],
        error: undefined,
        input: undefined,
        value: undefined,
      });
    }
  } catch {
    // A fallback computed by a function that fails without input holds no value we can see.
  }
  return undefined;
}

/**
 * Dotted paths of the secret fields of `schema` that a `.default()`, `.prefault()` or `.catch()`
 * gives a value: `token` for `secret().default("…")`, `auth.token` for
 * `z.object({ token: secret() }).default({ token: "…" })`, `credentials.password` for a nested
 * block field with a default. A default that is a secret reference (`{ "$reference": "env:NAME" }`)
 * is not a secret and is not reported. Such defaults would sit in source code and be written in
 * clear into the JSON Schema stored with the type, so block types refuse them.
 */
export function secretDefaultPaths(schema: unknown, nestedSchemaOf: NestedSchemaOf): string[] {
  const found = new Set<string>();
  const active = new Set<object>();
  const walk = (node: unknown, path: string[], depth: number): void => {
    const definition = definitionOf(node);
    if (definition === undefined || depth > MAX_DEPTH || active.has(definition)) return;
    if (isSecretSchema(node) || nestedSchemaOf(node) !== undefined) return;
    active.add(definition);
    if (
      definition.type === "default" ||
      definition.type === "prefault" ||
      definition.type === "catch"
    ) {
      const value = fallbackValue(definition);
      for (const location of secretLocations(definition.innerType, nestedSchemaOf)) {
        if (holdsValueAt(value, location)) found.add([...path, ...location].join("."));
      }
    }
    for (const [step, child] of childrenOf(definition)) {
      walk(child, step === undefined ? path : [...path, step], depth + 1);
    }
    active.delete(definition);
  };
  walk(schema, [], 0);
  return [...found].sort();
}
