import { InvalidInputError } from "../errors/index.js";

const hints = {
  revision: "Revisions are numbered from 1; see them with history().",
  expectedRevision: "Use 0 to create only, or the revision you loaded (block.revision).",
  limit: "Give how many blocks a page holds, or leave it out for the default.",
} as const;

const minimums = { revision: 1, expectedRevision: 0, limit: 1 } as const;

/**
 * Refuses a `revision`, `expectedRevision` or `limit` option that is not a whole number in range
 * with `INVALID_INPUT` naming the option, before any store call: a store must never be asked for
 * revision `1.5`, `NaN` or `"1"` (which one backend might coerce and another not). `undefined`
 * (the option left out) passes.
 */
export function checkNumericOption(option: keyof typeof minimums, value: unknown): void {
  if (value === undefined) return;
  const minimum = minimums[option];
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= minimum) return;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new InvalidInputError({
    subject: option,
    message: `The option ${option} must be a whole number of at least ${minimum} (got ${shown}). ${hints[option]}`,
  });
}
