import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

/**
 * A secret reference (`secret/<name>`, `env:NAME`, `<type>/<name>` of a secret source) is
 * malformed or cannot be resolved. Names the reference, never a value.
 */
export class SecretReferenceError extends TesseraError {
  static readonly code = "SECRET_REFERENCE_UNRESOLVED";
  /** The reference as written. */
  readonly reference: string;

  constructor(
    details: {
      reference: string;
      /** What went wrong and what to do, following the reference. */
      problem: string;
    } & TesseraErrorOptions,
  ) {
    super(
      SecretReferenceError.code,
      withAdvice(`Secret reference "${details.reference}" ${details.problem}`, details),
      details,
    );
    this.reference = details.reference;
  }

  static override isInstance(value: unknown): value is SecretReferenceError {
    return isTesseraErrorWithCode(value, SecretReferenceError.code);
  }
}
