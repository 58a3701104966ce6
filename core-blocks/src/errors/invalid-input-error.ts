import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

/**
 * A value given on the command line, in an input file or at a prompt that cannot be used: a
 * malformed `--set` expression, a number that is not one, a file that cannot be read, a secret
 * passed where secrets are refused.
 */
export class InvalidInputError extends TesseraError {
  static readonly code = "INVALID_INPUT";
  /** What the input was for (an option such as `--set`, a file path, a field path). */
  readonly subject: string;

  constructor(
    details: {
      subject: string;
      /** What is wrong and what to do. */
      message: string;
    } & TesseraErrorOptions,
  ) {
    super(InvalidInputError.code, withAdvice(details.message, details), details);
    this.subject = details.subject;
  }

  static override isInstance(value: unknown): value is InvalidInputError {
    return isTesseraErrorWithCode(value, InvalidInputError.code);
  }
}
