import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A type slug, document name or `type/name` slug that breaks the naming rules. */
export class InvalidSlugError extends TesseraError {
  static readonly code = "INVALID_SLUG";
  /** What the caller passed, with control characters escaped so it prints safely. */
  readonly input: string;
  /** Which rule it broke, in words. */
  readonly reason: string;

  constructor(input: string, reason: string, what = "slug") {
    const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input);
    super(
      InvalidSlugError.code,
      `Invalid ${what} ${shown}: ${reason}. Use 1-128 lower-case ASCII letters, digits and single hyphens (for example "prod-results"); a full slug is "<type>/<name>".`,
    );
    this.input = shown;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is InvalidSlugError {
    return isTesseraErrorWithCode(value, InvalidSlugError.code);
  }
}
