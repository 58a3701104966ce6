import { isSecretReferenceMarker } from "../protocol/index.js";
import {
  ANY_STEP,
  childrenOf,
  definitionOf,
  MAX_SCHEMA_DEPTH,
  walkSchema,
  type ZodDefinition,
} from "./schema-walk.js";
import { isSecretSchema } from "./secret.js";

/**
 * Gives the schema of a nested block field (its block type's object schema), or `undefined` for
 * any other schema. The schema folder does not know block classes; the block model passes this.
 */
export type NestedSchemaOf = (schema: unknown) => unknown;

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
  if (definition === undefined || depth > MAX_SCHEMA_DEPTH || active.has(definition)) return [];
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
const isReference = isSecretReferenceMarker;

/** True when `value` holds something other than nothing or a reference at `location`. */
function holdsValueAt(value: unknown, location: readonly string[]): boolean {
  if (value === undefined || value === null) return false;
  if (location.length === 0) return !isReference(value);
  if (typeof value !== "object") return false;
  const [step, ...rest] = location as [string, ...string[]];
  const children =
    step === ANY_STEP ? Object.values(value) : [(value as Record<string, unknown>)[step]];
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
  walkSchema(schema, {
    skip: (node) => isSecretSchema(node) || nestedSchemaOf(node) !== undefined,
    visit: (definition, path) => {
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
      return true;
    },
  });
  return [...found].sort();
}
