import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A store was used after `close()`. */
export class StoreClosedError extends TesseraError {
  static readonly code = "STORE_CLOSED";
  /** Where the store lives (a file path, a URL without credentials). */
  readonly location: string;

  constructor(location: string) {
    super(
      StoreClosedError.code,
      `The block store "${location}" is closed. Open it again (or use getDefaultStore()) instead of keeping a store after close().`,
    );
    this.location = location;
  }

  static override isInstance(value: unknown): value is StoreClosedError {
    return isTesseraErrorWithCode(value, StoreClosedError.code);
  }
}
