import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** Loading a block would follow more levels of nested block references than allowed. */
export class NestingTooDeepError extends TesseraError {
  static readonly code = "NESTING_TOO_DEEP";
  /** The slug being loaded. */
  readonly slug: string;
  /** The depth limit. */
  readonly limit: number;

  constructor(slug: string, limit: number) {
    super(
      NestingTooDeepError.code,
      `Loading "${slug}" follows more than ${limit} levels of nested blocks. Flatten the nesting: store deep children inline or reference fewer levels.`,
    );
    this.slug = slug;
    this.limit = limit;
  }

  static override isInstance(value: unknown): value is NestingTooDeepError {
    return isTesseraErrorWithCode(value, NestingTooDeepError.code);
  }
}
