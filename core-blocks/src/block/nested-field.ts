import { z } from "zod";
import { blockMarkerKey } from "../protocol/index.js";
import { type BlockClassInternal, constructTrusted, definitionOf } from "./block-internals.js";
import { unknownFieldProblems } from "./validation.js";

const fieldSchemas = new WeakMap<object, z.ZodType>();
/** Block classes by the definition of their field schema (shared by `.describe()`/`.meta()` clones). */
const fieldClasses = new WeakMap<object, BlockClassInternal>();

function zodDefinition(schema: unknown): object | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { _zod?: { def?: object } })._zod?.def;
}

/** True for a block instance of the given type (from this or another copy of core). */
export function isBlockOfType(value: unknown, type: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[blockMarkerKey] !== true) return false;
  return definitionOf(value.constructor)?.type === type;
}

/**
 * The schema of a field holding a nested block of `BlockClass`: it accepts an instance (kept as
 * is, with its identity) or the nested block's plain fields (validated and made an instance).
 */
export function nestedFieldSchema(BlockClass: BlockClassInternal): z.ZodType {
  const cached = fieldSchemas.get(BlockClass);
  if (cached) return cached;
  const definition = definitionOf(BlockClass)!;
  const schema = z.unknown().transform((input, context) => {
    if (isBlockOfType(input, definition.type)) return input;
    if (
      typeof input === "object" &&
      input !== null &&
      (input as Record<symbol, unknown>)[blockMarkerKey]
    ) {
      const other = definitionOf(input.constructor)?.type ?? "another type";
      context.addIssue({
        code: "custom",
        message: `expected a ${definition.type} block, got a ${other} block`,
      });
      return z.NEVER;
    }
    const unknown = unknownFieldProblems(definition.schema, input);
    if (unknown.length > 0) {
      for (const problem of unknown) {
        context.addIssue({ code: "custom", message: problem.message, path: [problem.path] });
      }
      return z.NEVER;
    }
    const result = definition.schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) context.addIssue({ ...issue });
      return z.NEVER;
    }
    return constructTrusted(BlockClass, result.data as Record<string, unknown>);
  });
  fieldSchemas.set(BlockClass, schema);
  fieldClasses.set(zodDefinition(schema)!, BlockClass);
  return schema;
}

/** The block class of a nested block field's schema, or `undefined`. */
export function nestedFieldClass(schema: unknown): BlockClassInternal | undefined {
  const definition = zodDefinition(schema);
  return definition === undefined ? undefined : fieldClasses.get(definition);
}
