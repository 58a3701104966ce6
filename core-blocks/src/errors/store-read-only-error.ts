import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A write to a store this process can read but not write. Such a store is opened read-only, so
 * listing and loading work; saving, deleting, renaming and key rotation fail with this error.
 */
export class StoreReadOnlyError extends TesseraError {
  static readonly code = "STORE_READ_ONLY";
  /** Where the store lives (a file path). */
  readonly location: string;

  constructor(
    details: {
      location: string;
      /** What was refused, as a sentence without its full stop. */
      what?: string;
    } & TesseraErrorOptions,
  ) {
    const { location, what = "This change was not saved" } = details;
    super(
      StoreReadOnlyError.code,
      `The block store "${location}" is read-only for this process (the file or its folder is not writable by this user), so it was opened for reading only. ${what}. ${details.advice ?? "To change it, make the file, its folder and its -wal/-shm files writable by this user, or run as the user that owns them."}`,
      details,
    );
    this.location = location;
  }

  static override isInstance(value: unknown): value is StoreReadOnlyError {
    return isTesseraErrorWithCode(value, StoreReadOnlyError.code);
  }
}
