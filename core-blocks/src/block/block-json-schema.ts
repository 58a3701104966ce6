import { z } from "zod";
import {
  isSecretSchema,
  type JsonObject,
  NESTED_BLOCK_KEYWORD,
  schemaChecksum,
  secretJsonSchema,
  secretPaths,
} from "../schema/index.js";
import type { BlockTypeDefinition } from "./block-definition.js";
import { definitionOf } from "./block-internals.js";
import { nestedFieldClass } from "./nested-field.js";

/** JSON Schema, checksum and secret paths of a block type (computed once per definition). */
export function computedOf(
  definition: BlockTypeDefinition,
): NonNullable<BlockTypeDefinition["computed"]> {
  if (definition.computed) return definition.computed;
  const jsonSchema = z.toJSONSchema(definition.schema, {
    io: "input",
    unrepresentable: "any",
    override(context) {
      const target = context.jsonSchema as Record<string, unknown>;
      // zod renders these fields as `{}` plus their own annotations (description, title, …):
      // keep the annotations, put the field's real structure around them.
      if (isSecretSchema(context.zodSchema)) {
        Object.assign(target, secretJsonSchema(context.zodSchema));
        return;
      }
      const NestedClass = nestedFieldClass(context.zodSchema);
      if (NestedClass) {
        const nested = computedOf(definitionOf(NestedClass)!);
        const annotations = { ...target };
        for (const key of Object.keys(target)) delete target[key];
        const { $schema: _draft, ...body } = nested.jsonSchema;
        Object.assign(target, body, annotations, {
          [NESTED_BLOCK_KEYWORD]: {
            type: definitionOf(NestedClass)!.type,
            checksum: nested.checksum,
          },
        });
      }
    },
  }) as JsonObject;
  jsonSchema.title ??= definition.title;
  if (definition.description) jsonSchema.description ??= definition.description;
  definition.computed = {
    jsonSchema: deepFreeze(jsonSchema),
    checksum: schemaChecksum(jsonSchema),
    secretFields: Object.freeze(secretPaths(jsonSchema)) as string[],
  };
  return definition.computed;
}

/** Freezes a JSON value in place, so a shared schema cannot be changed by a caller. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
