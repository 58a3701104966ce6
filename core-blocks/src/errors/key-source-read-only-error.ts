import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A key operation that rewrites the key file was asked for while keys come from the environment. */
export class KeySourceReadOnlyError extends TesseraError {
  static readonly code = "KEY_SOURCE_READ_ONLY";
  /** What was asked for, in words. */
  readonly operation: string;

  constructor(details: { operation: string } & TesseraErrorOptions) {
    super(
      KeySourceReadOnlyError.code,
      `Cannot ${details.operation}: the master keys come from TESSERA_ENCRYPTION_KEY, which Tessera does not edit. ${details.advice ?? "Put the new key first in TESSERA_ENCRYPTION_KEY (comma-separated, newest first), run the rotation, then drop the old key from the variable once no document needs it."}`,
      details,
    );
    this.operation = details.operation;
  }

  static override isInstance(value: unknown): value is KeySourceReadOnlyError {
    return isTesseraErrorWithCode(value, KeySourceReadOnlyError.code);
  }
}
