import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import type { JsonObject, JsonValue } from "./json.js";

/**
 * Annotation in a block's JSON Schema that marks a nested block field: the nested type and its
 * checksum. The checksum counts a nested block through this marker alone.
 */
export const NESTED_BLOCK_KEYWORD = "x-tessera-block";

/** Keywords that describe a schema for people and do not change what data it accepts. */
const COSMETIC_KEYWORDS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "examples",
  "deprecated",
]);

/** Keywords whose value maps names to subschemas: the names are data, not keywords. */
const SCHEMA_MAPS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);

/**
 * The structure the checksum covers: the JSON Schema without cosmetic keywords (titles,
 * descriptions, examples, `$comment`, `$schema`), each nested block replaced by its marker (type
 * and checksum), defaults and every validation keyword kept.
 */
export function checksumInput(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(checksumInput);
  if (schema === null || typeof schema !== "object") return schema;
  const nested = schema[NESTED_BLOCK_KEYWORD];
  if (nested !== undefined) {
    const marker: JsonObject = { [NESTED_BLOCK_KEYWORD]: nested };
    if (schema.default !== undefined) marker.default = schema.default;
    return marker;
  }
  const result: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (COSMETIC_KEYWORDS.has(keyword)) continue;
    if (SCHEMA_MAPS.has(keyword) && value !== null && typeof value === "object") {
      const map: JsonObject = {};
      for (const [name, subschema] of Object.entries(value)) map[name] = checksumInput(subschema);
      result[keyword] = map;
    } else if (keyword === "default" || keyword === "const" || keyword === "enum") {
      result[keyword] = value;
    } else {
      result[keyword] = checksumInput(value);
    }
  }
  return result;
}

/**
 * `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of `checksumInput(schema)`. The same
 * structure gives the same checksum on every machine, whatever the key order or descriptions.
 */
export function schemaChecksum(schema: JsonObject): string {
  const canonical = canonicalJson(checksumInput(schema));
  if (canonical === undefined) throw new TypeError("A JSON Schema must be a JSON object.");
  return `sha256:${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}

/**
 * Dotted paths of the secret fields (`writeOnly` + `format: "password"`) in a JSON Schema,
 * nested blocks included: `token`, `credentials.secretAccessKey`, `headers.*` (any key of a
 * record), `keys.*` (any item of a list). Sorted.
 */
export function secretPaths(schema: JsonObject): string[] {
  const found = new Set<string>();
  const walk = (node: JsonValue | undefined, path: string[], depth: number): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node) || depth > 64) return;
    if (node.writeOnly === true && node.format === "password" && path.length > 0) {
      found.add(path.join("."));
      return;
    }
    const properties = node.properties;
    if (properties !== null && typeof properties === "object" && !Array.isArray(properties)) {
      for (const [name, subschema] of Object.entries(properties)) {
        walk(subschema, [...path, name], depth + 1);
      }
    }
    if (typeof node.additionalProperties === "object") {
      walk(node.additionalProperties, [...path, "*"], depth + 1);
    }
    if (typeof node.items === "object") walk(node.items, [...path, "*"], depth + 1);
    for (const keyword of ["anyOf", "oneOf", "allOf"]) {
      const options = node[keyword];
      if (Array.isArray(options)) for (const option of options) walk(option, path, depth + 1);
    }
  };
  walk(schema, [], 0);
  return [...found].sort();
}
