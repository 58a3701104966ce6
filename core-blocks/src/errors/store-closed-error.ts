import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A store was used after `close()`. */
export class StoreClosedError extends TesseraError {
  static readonly code = "STORE_CLOSED";
  /** Where the store lives (a file path, a URL without credentials). */
  readonly location: string;

  constructor(details: { location: string } & TesseraErrorOptions) {
    super(
      StoreClosedError.code,
      `The block store "${details.location}" is closed. ${details.advice ?? "Open it again (or use getDefaultStore()) instead of keeping a store after close()."}`,
      details,
    );
    this.location = details.location;
  }

  static override isInstance(value: unknown): value is StoreClosedError {
    return isTesseraErrorWithCode(value, StoreClosedError.code);
  }
}
