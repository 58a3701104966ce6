import { isSecretSchema } from "../schema/index.js";
import { definitionOf, walkSchema, type ZodDefinition } from "../schema/schema-walk.js";
import { nestedFieldClass } from "./nested-field.js";

/** One schema part that cannot round-trip through JSON. */
export interface RoundTripProblem {
  /** Dotted field path (`*` for any key or item). */
  path: string;
  /** What the part is and what to use instead. */
  message: string;
}

/** What each zod type that JSON cannot carry is, and what to use instead. */
const refused: Record<string, string> = {
  transform:
    "has a transform or preprocess step, so the value saved would not be the value given and could not be read back the same way; store the plain value (a string with a format, a number) and derive the other form in a method",
  pipe: "has a pipe, so the value saved would not be the value given and could not be read back the same way; store the plain value (a string with a format, a number) and derive the other form in a method",
  date: "is a date, which JSON holds only as text; use z.iso.datetime() (or z.iso.date()) and make a Date in a method",
  bigint:
    "is a bigint, which JSON cannot hold; use a number (z.number().int()) or a string of digits",
  map: "is a Map, which JSON cannot hold; use z.record(z.string(), …)",
  set: "is a Set, which JSON cannot hold; use z.array(…)",
  function: "is a function, which cannot be stored; make it a method of the block class",
  symbol: "is a symbol, which cannot be stored; use a string",
  promise: "is a promise, which cannot be stored; store the value it resolves to",
  undefined: "is z.undefined(), which JSON cannot hold; make the field optional (.optional())",
  void: "is z.void(), which JSON cannot hold; make the field optional (.optional())",
  nan: "is z.nan(), which JSON cannot hold; use a number or null",
  file: "is a file, which cannot be stored in a block; keep it in result storage and store its path",
};

/** The zod type, a pipe into or out of a transform counting as the transform. */
function kindOf(definition: ZodDefinition): string {
  if (definition.type !== "pipe") return definition.type ?? "";
  const sides = [definitionOf(definition.in)?.type, definitionOf(definition.out)?.type];
  return sides.includes("transform") ? "transform" : "pipe";
}

/**
 * The parts of a block schema whose values cannot be saved as JSON and read back the same:
 * transforms, pipes and preprocessing, dates, bigints, maps, sets, functions, symbols, promises,
 * `z.undefined()`, `z.void()`, `z.nan()`, files. `secret()` fields and nested block fields are
 * the block model's own and pass (a nested block type was checked when it was defined).
 */
export function roundTripProblems(schema: unknown): RoundTripProblem[] {
  const problems: RoundTripProblem[] = [];
  const seen = new Set<string>();
  walkSchema(schema, {
    skip: (node) => isSecretSchema(node) || nestedFieldClass(node) !== undefined,
    recordKeys: true,
    visit: (definition, path) => {
      const message = definition.type === undefined ? undefined : refused[kindOf(definition)];
      if (message === undefined) return true;
      const where = path.join(".");
      if (!seen.has(where)) {
        seen.add(where);
        problems.push({ path: where, message });
      }
      return false;
    },
  });
  return problems;
}
