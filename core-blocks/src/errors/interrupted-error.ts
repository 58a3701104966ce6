import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** The user interrupted an operation (Ctrl-C); what it had written so far was removed. */
export class InterruptedError extends TesseraError {
  static readonly code = "INTERRUPTED";
  /** What was interrupted, such as `saving "s3-bucket/results"`. */
  readonly what: string;

  constructor(details: { what: string } & TesseraErrorOptions) {
    super(
      InterruptedError.code,
      `Interrupted (Ctrl-C): ${details.what}. ${details.advice ?? "Run the command again to retry."}`,
      details,
    );
    this.what = details.what;
  }

  static override isInstance(value: unknown): value is InterruptedError {
    return isTesseraErrorWithCode(value, InterruptedError.code);
  }
}
