import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** The environment selects a store backend that this version of Tessera does not have. */
export class StoreNotSupportedError extends TesseraError {
  static readonly code = "STORE_NOT_SUPPORTED";
  /** The environment variable that selected the backend (its value is never shown). */
  readonly variable: string;
  /** The backend it selects, such as `postgres` or `http`. */
  readonly backend: string;

  constructor(details: { variable: string; backend: string } & TesseraErrorOptions) {
    const { variable, backend } = details;
    super(
      StoreNotSupportedError.code,
      `${variable} is set, which selects the ${backend} block store, but this version of @tessera/core does not support it yet (a later release adds it). ${details.advice ?? `Unset ${variable} to use the embedded SQLite store in TESSERA_HOME, or upgrade @tessera/core.`}`,
      details,
    );
    this.variable = variable;
    this.backend = backend;
  }

  static override isInstance(value: unknown): value is StoreNotSupportedError {
    return isTesseraErrorWithCode(value, StoreNotSupportedError.code);
  }
}
