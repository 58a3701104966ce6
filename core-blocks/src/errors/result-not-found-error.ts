import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** No fresh result is stored under a key: it was never stored, was deleted, or has expired. */
export class ResultNotFoundError extends TesseraError {
  static readonly code = "RESULT_NOT_FOUND";
  /** The result key that was asked for. */
  readonly key: string;
  /** When the stored result expired, if one exists but is stale. */
  readonly expiredAt: Date | undefined;

  constructor(details: { key: string; expiredAt?: Date } & TesseraErrorOptions) {
    const { key, expiredAt } = details;
    super(
      ResultNotFoundError.code,
      expiredAt === undefined
        ? `No result is stored under "${key}". ${details.advice ?? `Store one with \`put("${key}", value)\`, or check the key and the store's prefix.`}`
        : `The result stored under "${key}" expired at ${expiredAt.toISOString()}. ${details.advice ?? "Compute it again and store it with `put` (or use `persisted`, which does both)."}`,
      details,
    );
    this.key = key;
    this.expiredAt = expiredAt;
  }

  static override isInstance(value: unknown): value is ResultNotFoundError {
    return isTesseraErrorWithCode(value, ResultNotFoundError.code);
  }
}
