import type { z } from "zod";
import type { ValidationProblem } from "../errors/index.js";
import { closeMatches } from "./close-matches.js";

/** Validation problems from a zod error: field paths and messages, never the values. */
function problemsOf(error: z.ZodError): ValidationProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => String(segment)).join("."),
    message: issue.message,
  }));
}

/**
 * How many levels of lists and plain objects a field value may nest. Deeper values are refused
 * before zod or the encoder walk them, so a hostile value is a validation error, not a stack
 * overflow.
 */
export const MAX_VALUE_DEPTH = 256;

/**
 * The problem of a field whose value nests lists and plain objects more than `MAX_VALUE_DEPTH`
 * levels deep, or holds an object key `__proto__` (which zod, and any plain object assignment,
 * would silently drop), or `undefined`. Walks without recursion; block instances and secret
 * values are leaves (their own fields were checked when they were built).
 */
export function valueShapeProblem(input: unknown): ValidationProblem | undefined {
  if (!isContainer(input)) return undefined;
  const pending: { value: object; depth: number; field: string }[] = [];
  for (const [field, value] of Object.entries(input)) {
    if (isContainer(value)) pending.push({ value, depth: 1, field });
  }
  while (pending.length > 0) {
    const { value, depth, field } = pending.pop()!;
    if (depth > MAX_VALUE_DEPTH) {
      return {
        path: field,
        message: `nests lists and objects more than ${MAX_VALUE_DEPTH} levels deep (or contains itself); flatten the value`,
      };
    }
    if (!Array.isArray(value) && Object.hasOwn(value, "__proto__")) {
      return {
        path: field,
        message:
          'holds an object key named "__proto__", which cannot be kept as data; rename the key',
      };
    }
    for (const child of Object.values(value)) {
      if (isContainer(child)) pending.push({ value: child, depth: depth + 1, field });
    }
  }
  return undefined;
}

function isContainer(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Validates `input` against `schema`, returning the output or the problems as values. */
export function validate(
  schema: z.ZodType,
  input: unknown,
): { ok: true; data: Record<string, unknown> } | { ok: false; problems: ValidationProblem[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data as Record<string, unknown> };
  return { ok: false, problems: problemsOf(result.error) };
}

/** The parts of a zod 4 definition the unknown-key walk reads. */
interface ZodDefinition {
  type?: string;
  shape?: Record<string, unknown>;
  catchall?: unknown;
  innerType?: unknown;
  element?: unknown;
  valueType?: unknown;
  getter?: () => unknown;
}

function zodDefinitionOf(schema: unknown): ZodDefinition | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { _zod?: { def?: ZodDefinition } })._zod?.def;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The problems of keys in `input` that the block schema does not have (zod's `z.object` would drop
 * them silently): one per unknown key, at any depth of plain objects, lists and records, naming
 * the closest field. Objects that take any key (`z.looseObject`, a catchall) and the insides of
 * unions, secret fields and nested block fields (they check their own) are left alone.
 */
export function unknownFieldProblems(schema: unknown, input: unknown): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const walk = (node: unknown, value: unknown, path: string[], depth: number): void => {
    if (depth > MAX_VALUE_DEPTH || value === undefined || value === null) return;
    const definition = zodDefinitionOf(node);
    if (!definition) return;
    switch (definition.type) {
      case "object": {
        if (!isPlainObject(value) || !definition.shape) return;
        const shape = definition.shape;
        const open =
          definition.catchall !== undefined &&
          zodDefinitionOf(definition.catchall)?.type !== "never";
        for (const key of Object.keys(value)) {
          if (Object.hasOwn(shape, key)) {
            walk(shape[key], value[key], [...path, key], depth + 1);
          } else if (!open) {
            problems.push({
              path: [...path, key].join("."),
              message: unknownFieldMessage(key, Object.keys(shape)),
            });
          }
        }
        return;
      }
      case "array":
        if (!Array.isArray(value)) return;
        value.forEach((item, index) => {
          walk(definition.element, item, [...path, String(index)], depth + 1);
        });
        return;
      case "record":
        if (!isPlainObject(value)) return;
        for (const key of Object.keys(value)) {
          walk(definition.valueType, value[key], [...path, key], depth + 1);
        }
        return;
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "nonoptional":
      case "catch":
        walk(definition.innerType, value, path, depth + 1);
        return;
      case "lazy":
        walk(definition.getter?.(), value, path, depth + 1);
        return;
      default:
        return;
    }
  };
  walk(schema, input, [], 0);
  return problems;
}

/** What to say about an unknown field `key` of a block whose fields are `fields`. */
function unknownFieldMessage(key: string, fields: readonly string[]): string {
  const [closest] = closeMatches(key, fields, 1);
  if (closest !== undefined) return `is not a field of this block type; did you mean "${closest}"?`;
  const listed = fields.length > 0 ? fields.map((field) => `"${field}"`).join(", ") : "none";
  return `is not a field of this block type (its fields: ${listed})`;
}
