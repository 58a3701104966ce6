import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A stored result whose payload does not match its metadata record (checksum, length or format). */
export class ResultCorruptedError extends TesseraError {
  static readonly code = "RESULT_CORRUPTED";
  /** The result key. */
  readonly key: string;
  /** What did not match, in words. */
  readonly reason: string;

  constructor(details: { key: string; reason: string } & TesseraErrorOptions) {
    const { key, reason } = details;
    super(
      ResultCorruptedError.code,
      `The result stored under "${key}" is corrupted: ${reason}. It was not returned. ${details.advice ?? `Delete it (\`delete("${key}")\`) and compute it again.`}`,
      details,
    );
    this.key = key;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is ResultCorruptedError {
    return isTesseraErrorWithCode(value, ResultCorruptedError.code);
  }
}
