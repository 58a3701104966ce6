import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** The user interrupted an operation (Ctrl-C); what it had written so far was removed. */
export class InterruptedError extends TesseraError {
  static readonly code = "INTERRUPTED";

  constructor(what: string) {
    super(InterruptedError.code, `Interrupted (Ctrl-C): ${what}. Run the command again to retry.`);
  }

  static override isInstance(value: unknown): value is InterruptedError {
    return isTesseraErrorWithCode(value, InterruptedError.code);
  }
}
