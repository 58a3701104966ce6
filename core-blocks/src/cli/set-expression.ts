import { closeMatches } from "../block/index.js";
import { InvalidInputError, ValidationFailedError } from "../errors/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import {
  isSecretSchema,
  resolveSchema,
  schemaAtPath,
  unionMembers,
  withoutNull,
} from "./schema-fields.js";

/** One parsed `--set path=value`. */
export interface SetExpression {
  /** The field path, split on dots (`credentials.region` → `["credentials", "region"]`). */
  path: string[];
  /** The text after the first `=`, unparsed. */
  text: string;
}

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Parses `path=value`. The path is dot-separated keys, each non-empty and not one of `__proto__`,
 * `constructor`, `prototype`; the value is everything after the first `=` (it may itself contain
 * `=` and dots).
 */
export function parseSetExpression(expression: string, option = "--set"): SetExpression {
  const equals = expression.indexOf("=");
  if (equals <= 0) {
    throw new InvalidInputError({
      subject: option,
      message: `${option} ${JSON.stringify(expression)} has no field path: write it as ${option} <field>=<value>, for example ${option} region=eu-west-1 (dotted paths reach nested fields: ${option} credentials.region=eu-west-1).`,
    });
  }
  const pathText = expression.slice(0, equals).trim();
  const path = pathText.split(".");
  for (const key of path) {
    if (key === "" || forbiddenKeys.has(key)) {
      throw new InvalidInputError({
        subject: option,
        message: `${option} field path ${JSON.stringify(pathText)} is not valid: use dot-separated field names such as credentials.region (empty names and ${[...forbiddenKeys].join(", ")} are refused).`,
      });
    }
  }
  return { path, text: expression.slice(equals + 1) };
}

function tryJson(text: string): { ok: true; value: JsonValue } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch {
    return { ok: false };
  }
}

/**
 * Turns the text of a `--set` into a value of the type the schema expects at that path: numbers
 * and integers are parsed, `true`/`false` become booleans, `null` is null where the field is
 * nullable, objects and arrays are JSON; strings stay as typed. Where the schema says nothing,
 * JSON is tried and the text is kept as a string otherwise.
 */
export function coerceSetValue(
  text: string,
  fieldSchema: JsonObject | undefined,
  root: JsonObject,
  pathText: string,
): JsonValue {
  if (!fieldSchema) {
    const parsed = tryJson(text);
    return parsed.ok ? parsed.value : text;
  }
  const { schema, nullable } = withoutNull(fieldSchema, root);
  if (nullable && text === "null") return null;
  const types = new Set(
    unionMembers(schema, root).flatMap((member) => {
      if (Array.isArray(member.enum)) return member.enum.map((value) => typeof value);
      if (member.const !== undefined) return [typeof member.const];
      if (typeof member.type === "string") return [member.type];
      if (Array.isArray(member.type)) return member.type.filter((type) => typeof type === "string");
      return [];
    }),
  );
  if (types.size === 0) {
    const parsed = tryJson(text);
    return parsed.ok ? parsed.value : text;
  }
  if (types.has("string")) {
    if (types.size === 1) return text;
    const parsed = tryJson(text);
    if (!parsed.ok || typeof parsed.value === "string") return text;
    const parsedType = jsonType(parsed.value);
    const accepted = types.has(parsedType) || (parsedType === "integer" && types.has("number"));
    return accepted ? parsed.value : text;
  }
  if (types.has("number") || types.has("integer")) {
    const trimmed = text.trim();
    const value = Number(trimmed);
    if (trimmed !== "" && Number.isFinite(value)) {
      if (types.has("integer") && !types.has("number") && !Number.isInteger(value)) {
        throw new InvalidInputError({
          subject: pathText,
          message: `Field ${pathText} takes a whole number; ${JSON.stringify(text)} is not one.`,
        });
      }
      return value;
    }
    if (!types.has("boolean") && !types.has("object") && !types.has("array")) {
      throw new InvalidInputError({
        subject: pathText,
        message: `Field ${pathText} takes a number; ${JSON.stringify(text)} is not one.`,
      });
    }
  }
  if (types.has("boolean")) {
    const lowered = text.trim().toLowerCase();
    if (lowered === "true" || lowered === "yes" || lowered === "1") return true;
    if (lowered === "false" || lowered === "no" || lowered === "0") return false;
    if (!types.has("object") && !types.has("array")) {
      throw new InvalidInputError({
        subject: pathText,
        message: `Field ${pathText} takes true or false; ${JSON.stringify(text)} is neither.`,
      });
    }
  }
  const parsed = tryJson(text);
  if (parsed.ok) return parsed.value;
  throw new InvalidInputError({
    subject: pathText,
    message: `Field ${pathText} takes ${[...types].join(" or ")} as JSON; ${JSON.stringify(text)} does not parse. Quote it for the shell, for example --set '${pathText}=["a","b"]'.`,
  });
}

function jsonType(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** A plain object being filled with field values (which may include `SecretValue`s). */
export type FieldValues = Record<string, unknown>;

/** Sets `value` at `path` inside `target`, creating plain objects on the way. */
export function setAtPath(target: FieldValues, path: readonly string[], value: unknown): void {
  let current = target;
  for (const [index, key] of path.entries()) {
    if (forbiddenKeys.has(key))
      throw new InvalidInputError({ subject: key, message: `Refusing to write field ${key}.` });
    if (index === path.length - 1) {
      current[key] = value;
      return;
    }
    const existing = Object.hasOwn(current, key) ? current[key] : undefined;
    if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) {
      current = existing as FieldValues;
    } else {
      const created: FieldValues = {};
      current[key] = created;
      current = created;
    }
  }
}

/** Reads the value at `path`, or `undefined`. */
export function getAtPath(
  source: JsonValue | undefined,
  path: readonly string[],
): JsonValue | undefined {
  let current = source;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Applies `--set` expressions to `target` with values coerced by the block type's JSON Schema.
 * Secret fields are refused: a value on the command line ends up in shell history and process
 * listings. Returns the paths that were set.
 */
export function applySetExpressions(
  target: FieldValues,
  expressions: readonly string[],
  jsonSchema: JsonObject | undefined,
  secretFields: readonly string[] = [],
  subject = "--set",
): string[] {
  const paths: string[] = [];
  for (const expression of expressions) {
    const { path, text } = parseSetExpression(expression);
    const pathText = path.join(".");
    const fieldSchema = jsonSchema ? schemaAtPath(jsonSchema, path) : undefined;
    const unknown = jsonSchema && !fieldSchema ? unknownField(jsonSchema, path) : undefined;
    if (unknown) throw new ValidationFailedError({ subject, problems: [unknown] });
    // The secret field itself, or a path inside one (a JSON secret's member).
    const secretPath = path
      .map((_, index) => path.slice(0, index + 1))
      .find((prefix) => isSecretPath(prefix, secretFields));
    if (secretPath || (fieldSchema && jsonSchema && isSecretSchema(fieldSchema, jsonSchema))) {
      const secretText = (secretPath ?? path).join(".");
      throw new InvalidInputError({
        subject: "--set",
        message: `Field ${secretText} is a secret and is not taken from --set (the value would end up in shell history). Use --secret-from-env ${secretText}=<VARIABLE>, --secret-ref ${secretText}=secret/<name>, --from-file, or leave it out to be prompted.`,
      });
    }
    const value = coerceSetValue(text, fieldSchema, jsonSchema ?? {}, pathText);
    // An object or array given as JSON must not carry a secret field inside it either.
    const inner = secretInside(value, path, secretFields);
    if (inner) {
      throw new InvalidInputError({
        subject: "--set",
        message: `The value given for ${pathText} holds the secret field ${inner}, which is not taken from --set (the value would end up in shell history). Set the other fields one by one (--set ${pathText}.<field>=…) and the secret with --secret-from-env ${inner}=<VARIABLE> or --secret-ref ${inner}=secret/<name>.`,
      });
    }
    setAtPath(target, path, value);
    paths.push(pathText);
  }
  return paths;
}

/**
 * The problem of a field path that the schema does not have: the first key that is not a
 * property of an object whose properties are all known (no `additionalProperties`), with the
 * closest property. `undefined` where the schema leaves the keys open.
 */
function unknownField(
  jsonSchema: JsonObject,
  path: readonly string[],
): { path: string; message: string } | undefined {
  let current: JsonObject | undefined = jsonSchema;
  for (const [index, key] of path.entries()) {
    if (!current) return undefined;
    const resolved = withoutNull(resolveSchema(current, jsonSchema), jsonSchema).schema;
    const candidates = unionMembers(resolved, jsonSchema);
    const names: string[] = [];
    for (const candidate of candidates) {
      const properties = candidate.properties;
      const open = candidate.additionalProperties;
      if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
        return undefined;
      }
      if (open !== undefined && open !== false) return undefined;
      names.push(...Object.keys(properties));
    }
    if (names.length === 0) return undefined;
    if (!names.includes(key)) {
      const [closest] = closeMatches(key, names, 1);
      const known = path.slice(0, index + 1).join(".");
      return {
        path: known,
        message: closest
          ? `is not a field of this block type; did you mean "${path.slice(0, index).concat(closest).join(".")}"?`
          : `is not a field of this block type (fields here: ${[...new Set(names)].join(", ")})`,
      };
    }
    current = schemaAtPath(jsonSchema, path.slice(0, index + 1));
  }
  return undefined;
}

/** The dotted path of the first secret field inside `value` (set at `path`), if any. */
function secretInside(
  value: unknown,
  path: readonly string[],
  secretFields: readonly string[],
): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const here = [...path, key];
    if (item !== undefined && isSecretPath(here, secretFields)) return here.join(".");
    const deeper = secretInside(item, here, secretFields);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Whether a dotted path matches one of the secret field paths (`headers.*` matches any key). */
export function isSecretPath(path: readonly string[], secretFields: readonly string[]): boolean {
  return secretFields.some((secret) => {
    const parts = secret.split(".");
    return (
      parts.length === path.length &&
      parts.every((part, index) => part === "*" || part === path[index])
    );
  });
}
