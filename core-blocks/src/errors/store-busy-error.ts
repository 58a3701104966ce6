import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Another process held the store's write lock for longer than the store waits. */
export class StoreBusyError extends TesseraError {
  static readonly code = "STORE_BUSY";
  /** Where the store lives (a file path). */
  readonly location: string;
  /** How long the write waited, in ms. */
  readonly waitedMs: number;

  constructor(details: { location: string; waitedMs: number } & TesseraErrorOptions) {
    const { location, waitedMs } = details;
    super(
      StoreBusyError.code,
      `The block store "${location}" stayed locked by another writer for ${waitedMs} ms, so this write was not made. ${details.advice ?? "Retry it; if another process (a long migration or key rotation) holds the store, wait for it, or open the store with a larger busyTimeoutMs."}`,
      details,
    );
    this.location = location;
    this.waitedMs = waitedMs;
  }

  static override isInstance(value: unknown): value is StoreBusyError {
    return isTesseraErrorWithCode(value, StoreBusyError.code);
  }
}
