/** The parts of a zod 4 definition the schema walks read. */
export interface ZodDefinition {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  keyType?: unknown;
  valueType?: unknown;
  options?: unknown[];
  left?: unknown;
  right?: unknown;
  items?: unknown[];
  rest?: unknown;
  in?: unknown;
  out?: unknown;
  getter?: () => unknown;
  defaultValue?: unknown;
  catchValue?: (context: unknown) => unknown;
}

/** How deep a walk goes before it stops (a lazy schema can nest without end). */
export const MAX_SCHEMA_DEPTH = 64;

/** Stands for "any key or item" in a location (a record's values, an array's items). */
export const ANY_STEP = "*";

/** The zod definition of `schema`, or `undefined` for anything that is not a zod schema. */
export function definitionOf(schema: unknown): ZodDefinition | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { _zod?: { def?: ZodDefinition } })._zod?.def;
}

/**
 * The schemas a schema is made of, each with the path step that leads into it (none: same
 * place). A record's key schema is among them only with `recordKeys`.
 */
export function childrenOf(
  definition: ZodDefinition,
  options: { recordKeys?: boolean } = {},
): Array<[step: string | undefined, schema: unknown]> {
  switch (definition.type) {
    case "object":
      return Object.entries(definition.shape ?? {});
    case "array":
      return [[ANY_STEP, definition.element]];
    case "record":
      return [
        ...(options.recordKeys
          ? ([[undefined, definition.keyType]] as Array<[undefined, unknown]>)
          : []),
        [ANY_STEP, definition.valueType],
      ];
    case "tuple":
      return [
        ...(definition.items ?? []).map((item, index): [string, unknown] => [String(index), item]),
        ...(definition.rest ? ([[ANY_STEP, definition.rest]] as Array<[string, unknown]>) : []),
      ];
    case "union":
      return (definition.options ?? []).map((option): [undefined, unknown] => [undefined, option]);
    case "intersection":
      return [
        [undefined, definition.left],
        [undefined, definition.right],
      ];
    case "pipe":
      return [
        [undefined, definition.in],
        [undefined, definition.out],
      ];
    case "lazy":
      return [[undefined, definition.getter?.()]];
    default:
      return definition.innerType === undefined ? [] : [[undefined, definition.innerType]];
  }
}

/** What `walkSchema` does at each schema part. */
export interface SchemaVisitor {
  /** Parts neither visited nor entered (a secret field, a nested block field). */
  skip: (node: unknown) => boolean;
  /** Called with each part's definition and dotted path steps; `false` leaves its children out. */
  visit: (definition: ZodDefinition, path: readonly string[]) => boolean;
  /** Walk into record key schemas too. */
  recordKeys?: boolean;
}

/**
 * Walks `schema` and the schemas it is made of, depth first, stopping at `MAX_SCHEMA_DEPTH` and
 * at a part already being walked (a lazy schema that refers to itself).
 */
export function walkSchema(schema: unknown, visitor: SchemaVisitor): void {
  const active = new Set<object>();
  const walk = (node: unknown, path: string[], depth: number): void => {
    if (visitor.skip(node)) return;
    const definition = definitionOf(node);
    if (definition === undefined || depth > MAX_SCHEMA_DEPTH || active.has(definition)) return;
    if (!visitor.visit(definition, path)) return;
    active.add(definition);
    for (const [step, child] of childrenOf(definition, visitor)) {
      walk(child, step === undefined ? path : [...path, step], depth + 1);
    }
    active.delete(definition);
  };
  walk(schema, [], 0);
}
