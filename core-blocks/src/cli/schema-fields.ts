import type { JsonObject, JsonValue } from "../schema/index.js";

/** One field of a block type, read from its stored JSON Schema. */
export interface FieldDescription {
  /** Dotted path (`credentials.region`); `*` stands for any key of a record (`headers.*`). */
  path: string;
  /** Type in words: `string`, `integer`, `boolean`, `object`, `string | null`, `"a" | "b"`, `array<string>`. */
  type: string;
  /** Whether a value must be given (no default, not optional). */
  required: boolean;
  /** Whether the schema declares a default. */
  hasDefault: boolean;
  /** The declared default, when `hasDefault`. */
  default?: JsonValue;
  /** Whether the field is a secret (`writeOnly` / `format: "password"`, or listed as secret). */
  secret: boolean;
  /** The field's description, when the schema has one. */
  description?: string;
  /** Allowed values, for enums and literals. */
  choices?: JsonValue[];
  /** The field's own JSON Schema (references resolved). */
  schema: JsonObject;
  /** True for objects whose fields are listed after it (nested blocks, groups of fields). */
  hasChildren: boolean;
  /** For a nested block field, the block type it holds. */
  blockType?: string;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) inside `root`. */
export function resolveSchema(schema: JsonObject, root: JsonObject, depth = 0): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/") || depth > 32) return schema;
  let target: JsonValue | undefined = root;
  for (const part of ref.slice(2).split("/")) {
    const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
    target = isObject(target) ? target[key] : undefined;
  }
  if (!isObject(target)) return schema;
  const { $ref: _ignored, ...rest } = schema;
  return resolveSchema({ ...target, ...rest }, root, depth + 1);
}

/** The variants of a union (`anyOf`/`oneOf`), or the schema itself. */
export function unionMembers(schema: JsonObject, root: JsonObject): JsonObject[] {
  const members = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(members)) return [schema];
  return members
    .filter(isObject)
    .flatMap((member) => unionMembers(resolveSchema(member, root), root));
}

/** The schema without its `null` variant, and whether it had one. */
export function withoutNull(
  schema: JsonObject,
  root: JsonObject,
): { schema: JsonObject; nullable: boolean } {
  if (Array.isArray(schema.type) && schema.type.includes("null")) {
    const rest = schema.type.filter((type) => type !== "null");
    return { schema: { ...schema, type: rest.length === 1 ? rest[0]! : rest }, nullable: true };
  }
  const members = unionMembers(schema, root);
  const nonNull = members.filter((member) => member.type !== "null");
  const nullable = nonNull.length < members.length;
  if (members.length > 1 && nonNull.length === 1) return { schema: nonNull[0]!, nullable };
  return { schema, nullable };
}

/** Whether the schema marks a secret field. */
export function isSecretSchema(schema: JsonObject, root: JsonObject): boolean {
  return unionMembers(schema, root).some(
    (member) => member.writeOnly === true || member.format === "password",
  );
}

/** The type of a schema, in words. */
function describeType(schema: JsonObject, root: JsonObject): string {
  const members = unionMembers(resolveSchema(schema, root), root);
  const words = members.map((member) => {
    const nested = member["x-tessera-block"];
    if (isObject(nested) && typeof nested.type === "string") return `block ${nested.type}`;
    if (Array.isArray(member.enum))
      return member.enum.map((value) => JSON.stringify(value)).join(" | ");
    if (member.const !== undefined) return JSON.stringify(member.const);
    const type = member.type;
    if (type === "array") {
      const items = isObject(member.items) ? describeType(member.items, root) : "unknown";
      return `array<${items}>`;
    }
    if (
      type === "object" &&
      !isObject(member.properties) &&
      isObject(member.additionalProperties)
    ) {
      return `record<${describeType(member.additionalProperties, root)}>`;
    }
    if (typeof type === "string") return type;
    if (Array.isArray(type)) return type.join(" | ");
    return "unknown";
  });
  return [...new Set(words)].join(" | ");
}

function choicesOf(schema: JsonObject, root: JsonObject): JsonValue[] | undefined {
  const members = unionMembers(schema, root).filter((member) => member.type !== "null");
  const values: JsonValue[] = [];
  for (const member of members) {
    if (Array.isArray(member.enum)) values.push(...member.enum);
    else if (member.const !== undefined) values.push(member.const);
    else return undefined;
  }
  return values.length > 0 ? values : undefined;
}

/**
 * Lists the fields of a block type's JSON Schema, depth first: every property, and the fields of
 * nested objects after their parent (`credentials`, then `credentials.region`). Records list their
 * values as `<path>.*`. `secretFields` (the store's list of secret paths) marks secrets as well as
 * the schema's own `writeOnly` markers.
 */
export function describeFields(
  jsonSchema: JsonObject,
  secretFields: readonly string[] = [],
): FieldDescription[] {
  const fields: FieldDescription[] = [];
  const secretPaths = new Set(secretFields);
  const visit = (schema: JsonObject, prefix: string, parentRequired: boolean, depth: number) => {
    const resolved = withoutNull(resolveSchema(schema, jsonSchema), jsonSchema).schema;
    const properties = isObject(resolved.properties) ? resolved.properties : undefined;
    if (properties && depth < 16) {
      const required = new Set(
        Array.isArray(resolved.required)
          ? resolved.required.filter((key) => typeof key === "string")
          : [],
      );
      for (const [key, child] of Object.entries(properties)) {
        if (!isObject(child)) continue;
        addField(
          child,
          prefix ? `${prefix}.${key}` : key,
          parentRequired && required.has(key),
          depth,
        );
      }
      return;
    }
    if (isObject(resolved.additionalProperties) && depth < 16) {
      addField(resolved.additionalProperties, prefix ? `${prefix}.*` : "*", false, depth);
    }
  };
  const addField = (schema: JsonObject, path: string, required: boolean, depth: number) => {
    const resolved = resolveSchema(schema, jsonSchema);
    const { schema: inner, nullable } = withoutNull(resolved, jsonSchema);
    const hasDefault = Object.hasOwn(resolved, "default") || Object.hasOwn(inner, "default");
    const hasChildren =
      inner.type === "object" &&
      (isObject(inner.properties) || isObject(inner.additionalProperties)) &&
      !isSecretSchema(resolved, jsonSchema);
    const field: FieldDescription = {
      path,
      type: describeType(resolved, jsonSchema),
      required: required && !hasDefault && !nullable,
      hasDefault,
      secret: secretPaths.has(path) || isSecretSchema(resolved, jsonSchema),
      schema: resolved,
      hasChildren,
    };
    if (hasDefault) field.default = resolved.default ?? inner.default ?? null;
    const description = resolved.description ?? inner.description;
    if (typeof description === "string") field.description = description;
    const choices = choicesOf(resolved, jsonSchema);
    if (choices) field.choices = choices;
    const nested = inner["x-tessera-block"] ?? resolved["x-tessera-block"];
    if (isObject(nested) && typeof nested.type === "string") field.blockType = nested.type;
    fields.push(field);
    if (hasChildren) visit(inner, path, field.required, depth + 1);
  };
  visit(jsonSchema, "", true, 0);
  return fields;
}

/**
 * The JSON Schema of the field at a dotted path, or `undefined` when the schema does not describe
 * it. Record keys match `*`.
 */
export function schemaAtPath(
  jsonSchema: JsonObject,
  path: readonly string[],
): JsonObject | undefined {
  let current: JsonObject | undefined = jsonSchema;
  for (const key of path) {
    if (!current) return undefined;
    const resolved = withoutNull(resolveSchema(current, jsonSchema), jsonSchema).schema;
    const candidates = unionMembers(resolved, jsonSchema);
    let next: JsonObject | undefined;
    for (const candidate of candidates) {
      const properties = candidate.properties;
      const property = isObject(properties) ? properties[key] : undefined;
      if (isObject(property)) {
        next = property;
        break;
      }
      if (isObject(candidate.additionalProperties)) {
        next = candidate.additionalProperties;
        break;
      }
    }
    current = next;
  }
  return current ? resolveSchema(current, jsonSchema) : undefined;
}
