import { z } from "zod";
import { InvalidInputError } from "../errors/index.js";
import { closeMatches } from "./close-matches.js";
import { checkNumericOption } from "./numeric-options.js";

/** A block store as an option: any object with the store's `get` and `put`. */
const storeOption = z
  .custom<object>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      typeof (value as { get?: unknown }).get === "function" &&
      typeof (value as { put?: unknown }).put === "function",
  )
  .optional();

/** Numeric options: checked by `checkNumericOption`, with its own messages. */
const numericOption = z.unknown().optional();

/**
 * The options each library call takes, as strict objects: a misspelt key (`overwirte`) or a value
 * of the wrong type (`overwrite: "yes"`) is refused instead of ignored.
 */
const callOptions = {
  save: z.strictObject({
    store: storeOption,
    overwrite: z.boolean().optional(),
    expectedRevision: numericOption,
  }),
  load: z.strictObject({ store: storeOption, revision: numericOption }),
  delete: z.strictObject({ store: storeOption, force: z.boolean().optional() }),
  list: z.strictObject({
    store: storeOption,
    limit: numericOption,
    cursor: z.string().optional(),
  }),
  history: z.strictObject({ store: storeOption }),
  rollback: z.strictObject({ store: storeOption, expectedRevision: numericOption }),
  rename: z.strictObject({
    store: storeOption,
    expectedRevision: numericOption,
    force: z.boolean().optional(),
  }),
  upgrade: z.strictObject({ store: storeOption, dropUnknownFields: z.boolean().optional() }),
  watch: z.strictObject({ store: storeOption }),
} as const;

/** A library call whose options are checked. */
export type OptionsCall = keyof typeof callOptions;

const numericOptions = new Set(["revision", "expectedRevision", "limit"] as const);

const expected: Record<string, string> = {
  store: "a block store (getDefaultStore(), createMemoryStore(), openSqliteStore(…))",
  overwrite: "true or false",
  force: "true or false",
  dropUnknownFields: "true or false",
  cursor: "the nextCursor string of the previous page",
};

/**
 * Refuses options of a library call that it does not take or that have the wrong type, with
 * `INVALID_INPUT` naming the option (and the closest one it takes, for a misspelt key).
 * `undefined` (no options) passes.
 */
export function checkCallOptions(call: OptionsCall, options: unknown): void {
  if (options === undefined) return;
  const schema = callOptions[call];
  const known = Object.keys(schema.shape);
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidInputError({
      subject: "options",
      message: `The options of ${call}() must be an object such as { ${known[0]}: … } (got ${describe(options)}). Its options: ${known.join(", ")}.`,
    });
  }
  const result = schema.safeParse(options);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        const key = issue.keys[0]!;
        const [closest] = closeMatches(key, known, 1);
        throw new InvalidInputError({
          subject: key,
          message: `${call}() has no option "${key}"${closest ? `; did you mean "${closest}"?` : "."} Its options: ${known.join(", ")}.`,
        });
      }
    }
    const issue = result.error.issues[0]!;
    const option = String(issue.path[0] ?? "options");
    const value = (options as Record<string, unknown>)[option];
    throw new InvalidInputError({
      subject: option,
      message: `The option ${option} of ${call}() must be ${expected[option] ?? "of another type"} (got ${describe(value)}).`,
    });
  }
  for (const option of numericOptions) {
    if (option in options) {
      checkNumericOption(option, (options as Record<string, unknown>)[option]);
    }
  }
}

/** A value's kind for a message, never the value itself (it may be a secret). */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "a string";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
