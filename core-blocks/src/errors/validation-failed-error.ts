import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** One problem found while validating a block's fields. Never holds the offending value. */
export interface ValidationProblem {
  /** Dotted field path (`credentials.region`, `headers.*`); empty for the whole block. */
  path: string;
  /** What is wrong, in words. */
  message: string;
}

/** A block's fields do not satisfy its schema (on construction or on save). */
export class ValidationFailedError extends TesseraError {
  static readonly code = "VALIDATION_FAILED";
  /** The block type, or the slug when the block has one. */
  readonly subject: string;
  /** Every problem found, by field path. */
  readonly problems: ValidationProblem[];

  constructor(details: { subject: string; problems: ValidationProblem[] } & TesseraErrorOptions) {
    const { subject, problems } = details;
    const listed = problems
      .map((problem) => `  - ${problem.path === "" ? "(block)" : problem.path}: ${problem.message}`)
      .join("\n");
    super(
      ValidationFailedError.code,
      `Invalid fields for "${subject}":\n${listed}\n${details.advice ?? `Fix the field${problems.length === 1 ? "" : "s"} listed and try again.`}`,
      details,
    );
    this.subject = subject;
    this.problems = problems;
  }

  static override isInstance(value: unknown): value is ValidationFailedError {
    return isTesseraErrorWithCode(value, ValidationFailedError.code);
  }
}
