import type { JsonSchema } from "./api";

/** The marker of a nested block field in a block type's JSON Schema. */
const nestedBlockKeyword = "x-tessera-block";

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A secret field: `writeOnly` + `format: "password"`, the way block types mark them. */
export function isSecretSchema(schema: unknown): boolean {
  return isObject(schema) && schema.writeOnly === true && schema.format === "password";
}

/** The nested block type of a field, if the field is a nested block. */
export function nestedBlockType(schema: unknown): string | undefined {
  if (!isObject(schema)) return undefined;
  const marker = schema[nestedBlockKeyword];
  return isObject(marker) && typeof marker.type === "string" ? marker.type : undefined;
}

export function isSecretMarker(value: unknown): boolean {
  return isObject(value) && value.$secret === "set";
}

export function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.$ref === "string" ? value.$ref : undefined;
}

/** The schema of one property, looking through `$ref`-free combinators zod emits. */
export function propertySchema(schema: unknown, key: string): JsonSchema | undefined {
  if (!isObject(schema)) return undefined;
  const properties = schema.properties;
  if (isObject(properties) && isObject(properties[key])) return properties[key] as JsonSchema;
  for (const combinator of ["anyOf", "oneOf", "allOf"]) {
    const options = schema[combinator];
    if (Array.isArray(options)) {
      for (const option of options) {
        const found = propertySchema(option, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * Flattens values as the server shows them into `path → text` for a diff: secrets are only
 * ever "set", links "→ type/name"; nothing of a secret's value is here because the server never
 * sends it.
 */
function flatten(value: unknown, path = ""): Map<string, string> {
  const result = new Map<string, string>();
  const visit = (node: unknown, at: string) => {
    if (isSecretMarker(node)) result.set(at, "secret (set)");
    else if (refOf(node) !== undefined) result.set(at, `→ ${refOf(node)}`);
    else if (isObject(node) && "$missing" in node) result.set(at, "→ (deleted block)");
    else if (Array.isArray(node)) {
      if (node.length === 0) result.set(at, "[]");
      for (const [index, item] of node.entries()) visit(item, `${at}[${index}]`);
    } else if (isObject(node)) {
      const keys = Object.keys(node);
      if (keys.length === 0 && at) result.set(at, "{}");
      for (const key of keys) visit(node[key], at ? `${at}.${key}` : key);
    } else result.set(at, JSON.stringify(node));
  };
  visit(value, path);
  return result;
}

export interface Change {
  path: string;
  before: string | undefined;
  after: string | undefined;
}

/** The paths whose shown value differs between two versions of a block's values. */
export function diffValues(before: unknown, after: unknown): Change[] {
  const left = flatten(before);
  const right = flatten(after);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  return paths
    .filter((path) => left.get(path) !== right.get(path))
    .map((path) => ({ path, before: left.get(path), after: right.get(path) }));
}
