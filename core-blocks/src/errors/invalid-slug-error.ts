import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A type slug, document name or `type/name` slug that breaks the naming rules. */
export class InvalidSlugError extends TesseraError {
  static readonly code = "INVALID_SLUG";
  /** What the caller passed, with control characters escaped so it prints safely. */
  readonly input: string;
  /** Which rule it broke, in words. */
  readonly reason: string;

  constructor(
    details: {
      input: string;
      reason: string;
      /** What the input is, in the message: "slug" unless said otherwise. */
      what?: string;
    } & TesseraErrorOptions,
  ) {
    const { input, reason, what = "slug" } = details;
    const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input);
    super(
      InvalidSlugError.code,
      `Invalid ${what} ${shown}: ${reason}. ${details.advice ?? 'Use 1-128 lower-case ASCII letters, digits and single hyphens (for example "prod-results"); a full slug is "<type>/<name>".'}`,
      details,
    );
    this.input = shown;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is InvalidSlugError {
    return isTesseraErrorWithCode(value, InvalidSlugError.code);
  }
}
