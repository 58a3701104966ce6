import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A secret reference (`secret/<name>`, `env:NAME`, `<type>/<name>` of a secret source) is
 * malformed or cannot be resolved. Names the reference, never a value.
 */
export class SecretReferenceError extends TesseraError {
  static readonly code = "SECRET_REFERENCE_UNRESOLVED";
  /** The reference as written. */
  readonly reference: string;

  constructor(reference: string, problem: string, options: TesseraErrorOptions = {}) {
    super(SecretReferenceError.code, `Secret reference "${reference}" ${problem}`, options);
    this.reference = reference;
  }

  static override isInstance(value: unknown): value is SecretReferenceError {
    return isTesseraErrorWithCode(value, SecretReferenceError.code);
  }
}
