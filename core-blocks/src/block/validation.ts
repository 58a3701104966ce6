import type { z } from "zod";
import type { ValidationProblem } from "../errors/index.js";

/** Validation problems from a zod error: field paths and messages, never the values. */
export function problemsOf(error: z.ZodError): ValidationProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => String(segment)).join("."),
    message: issue.message,
  }));
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
