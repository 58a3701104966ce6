import { blockMarkerKey } from "../protocol/index.js";
import type { JsonObject } from "../schema/index.js";
import { SECRET_MASK, SecretValue } from "../secrets/index.js";
import type { BlockTypeDefinition } from "./block-definition.js";
import { currentFields } from "./block-internals.js";
import { computedOf } from "./block-json-schema.js";
import { passesUnchanged } from "./schema-pass-through.js";

/**
 * A block's fields as JSON (`toJSON`): every schema field it holds now, assigned after
 * construction or not. Secrets are masked, including a secret field assigned a plain string that
 * has not been through validation yet; nested blocks become their fields.
 */
export function fieldsAsJson(block: object, definition: BlockTypeDefinition): JsonObject {
  const fields = currentFields(block, definition);
  if (!passesUnchanged(definition.schema, fields)) {
    const parsed = definition.schema.safeParse(fields);
    if (parsed.success) return toJson(parsed.data as Record<string, unknown>);
    // Invalid fields: shown as they are, except that a field holding a secret that is not yet a
    // SecretValue is masked whole (a nested block masks its own secrets).
    for (const path of computedOf(definition).secretFields) {
      const key = path.split(".")[0]!;
      const value = fields[key];
      if (value === undefined || SecretValue.isInstance(value) || isBlock(value)) continue;
      fields[key] = SECRET_MASK;
    }
  }
  return toJson(fields);
}

function toJson(fields: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(fields)) as JsonObject;
}

function isBlock(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[blockMarkerKey] === true
  );
}
