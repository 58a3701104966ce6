import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * Resolving a template would produce more output than the limit allows (placeholders that repeat
 * a large block or secret many times). Names the limit and where resolution stopped, never a value.
 */
export class TemplateTooLargeError extends TesseraError {
  static readonly code = "TEMPLATE_TOO_LARGE";
  /** The limit in force, in bytes (UTF-8) of resolved text. */
  readonly limit: number;
  /** Where in the template object the limit was reached (empty at the root). */
  readonly location: string;

  constructor(details: { limit: number; location: string } & TesseraErrorOptions) {
    const { limit, location } = details;
    const where = location === "" ? "" : ` (reached at ${location})`;
    super(
      TemplateTooLargeError.code,
      `Resolving the template would produce more than ${limit} bytes${where}. ${details.advice ?? "Use fewer placeholders that expand to large blocks or secrets, or raise the limit with the maxOutputBytes option of resolveTemplate."}`,
      details,
    );
    this.limit = limit;
    this.location = location;
  }

  static override isInstance(value: unknown): value is TemplateTooLargeError {
    return isTesseraErrorWithCode(value, TemplateTooLargeError.code);
  }
}
