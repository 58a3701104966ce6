import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Loading a block would follow more levels of nested block references than allowed. */
export class NestingTooDeepError extends TesseraError {
  static readonly code = "NESTING_TOO_DEEP";
  /** The slug being loaded. */
  readonly slug: string;
  /** The depth limit. */
  readonly limit: number;

  constructor(details: { slug: string; limit: number } & TesseraErrorOptions) {
    super(
      NestingTooDeepError.code,
      `Loading "${details.slug}" follows more than ${details.limit} levels of nested blocks. ${details.advice ?? "Flatten the nesting: store deep children inline or reference fewer levels."}`,
      details,
    );
    this.slug = details.slug;
    this.limit = details.limit;
  }

  static override isInstance(value: unknown): value is NestingTooDeepError {
    return isTesseraErrorWithCode(value, NestingTooDeepError.code);
  }
}
