import type { ErrorSchema } from "@rjsf/utils";
import type { Problem } from "../api";
import {
  isObject,
  isSecretMarker,
  isSecretSchema,
  nestedBlockType,
  propertySchema,
  refOf,
} from "../values";
import { fieldId } from "./form-context";

/** A nested block the user created in the form and named: saved before its parent links it. */
export interface ChildToSave {
  type: string;
  name: string;
  data: unknown;
}

/**
 * Saved values (as the server shows them) → the form's data: a secret marker becomes an empty
 * input (its id goes to `storedSecrets`), a link stays `{ $ref }` for the nested block picker.
 */
export function toFormData(
  value: unknown,
  storedSecrets: Set<string>,
  path: Array<string | number> = [],
): unknown {
  if (isSecretMarker(value)) {
    storedSecrets.add(fieldId(path));
    return undefined;
  }
  if (refOf(value) !== undefined) return { $ref: refOf(value) };
  if (isObject(value) && "$missing" in value) return undefined;
  if (Array.isArray(value)) {
    return value.map((item, index) => toFormData(item, storedSecrets, [...path, index]));
  }
  if (isObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toFormData(item, storedSecrets, [...path, key]);
      if (converted !== undefined) result[key] = converted;
    }
    return result;
  }
  return value;
}

/**
 * The form's data → the body of `PUT /v1/blocks/…`: a secret left empty on a block that has one
 * is `{ "$keep": true }` (never the mask text), a typed secret goes as typed (newlines and all), a
 * picked block is `{ "$ref": "type/name" }`, "none" is absent, and a created nested block with a
 * name is listed in `children` and linked.
 */
export function toWire(
  schema: unknown,
  value: unknown,
  original: unknown,
  children: ChildToSave[],
): unknown {
  if (isSecretSchema(schema) || isSecretMarker(original)) {
    if (value !== undefined && value !== "" && value !== null) return value;
    return isSecretMarker(original) ? { $keep: true } : undefined;
  }
  const ref = refOf(value);
  if (ref !== undefined) return { $ref: ref };
  if (isObject(value) && value.$none === true) return undefined;
  if (Array.isArray(value)) {
    const items = isObject(schema) ? schema.items : undefined;
    return value.map((item, index) =>
      toWire(items, item, Array.isArray(original) ? original[index] : undefined, children),
    );
  }
  if (isObject(value)) {
    const base = isObject(original) && refOf(original) === undefined ? original : {};
    const result: Record<string, unknown> = {};
    const keys = new Set([
      ...Object.keys(value),
      ...Object.keys(base).filter((key) => isSecretMarker(base[key]) || isObject(base[key])),
    ]);
    for (const key of keys) {
      if (key === "$saveAs") continue;
      const converted = toWire(propertySchema(schema, key), value[key], base[key], children);
      if (converted !== undefined) result[key] = converted;
    }
    const nestedType = nestedBlockType(schema);
    if (nestedType !== undefined && typeof value.$saveAs === "string" && value.$saveAs) {
      children.push({ type: nestedType, name: value.$saveAs, data: result });
      return { $ref: `${nestedType}/${value.$saveAs}` };
    }
    return result;
  }
  return value;
}

/** The server's validation problems as rjsf's error schema, so each shows beside its field. */
export function problemsToErrorSchema(problems: Problem[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const problem of problems) {
    const path = Array.isArray(problem.path)
      ? problem.path.map(String)
      : String(problem.path)
          .split(/[.[\]]+/)
          .filter((part) => part !== "");
    let node = root;
    for (const part of path) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), problem.message];
  }
  return root as ErrorSchema;
}

/**
 * The schema the form renders: each variant of a union (`anyOf` / `oneOf`) without a title is
 * named by its constant discriminator (`kind: "email"` → "email"), so the choice of variant reads
 * as one, never as "Option 1" or raw JSON.
 */
export function formSchema<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item) => formSchema(item)) as T;
  if (!isObject(schema)) return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) result[key] = formSchema(value);
  // A constant (a union's discriminator) is shown, not edited.
  if (result.const !== undefined) result.readOnly = true;
  for (const combinator of ["anyOf", "oneOf"]) {
    const variants = result[combinator];
    if (!Array.isArray(variants)) continue;
    result[combinator] = variants.map((variant: unknown) => {
      if (!isObject(variant) || typeof variant.title === "string") return variant;
      const properties = isObject(variant.properties) ? variant.properties : {};
      const constant = Object.values(properties).find(
        (property) => isObject(property) && typeof property.const === "string",
      ) as { const: string } | undefined;
      const nested = nestedBlockType(variant);
      const title =
        constant?.const ?? nested ?? (typeof variant.type === "string" ? variant.type : undefined);
      return title === undefined ? variant : { ...variant, title };
    });
  }
  return result as T;
}
