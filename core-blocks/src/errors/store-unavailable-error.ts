import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The store's folder or file cannot be created or opened: the folder (usually `TESSERA_HOME`)
 * cannot be made, a file stands where the folder should be, or the file cannot be opened.
 */
export class StoreUnavailableError extends TesseraError {
  static readonly code = "STORE_UNAVAILABLE";
  /** Where the store lives (a file path). */
  readonly location: string;
  /** The system's error code, such as `EACCES` or `ENOTDIR`. */
  readonly systemCode: string;

  constructor(
    details: {
      location: string;
      /** The folder that could not be created or written. */
      folder: string;
      systemCode: string;
    } & TesseraErrorOptions,
  ) {
    const { location, folder, systemCode } = details;
    const reason =
      systemCode === "EACCES" || systemCode === "EPERM" || systemCode === "EROFS"
        ? `this user may not create or write "${folder}"`
        : systemCode === "ENOTDIR" || systemCode === "EEXIST"
          ? `a file, not a folder, stands at "${folder}" or one of its parents`
          : `"${folder}" cannot be created`;
    super(
      StoreUnavailableError.code,
      `Cannot create the block store "${location}": ${reason} (${systemCode}). ${details.advice ?? `Set TESSERA_HOME to a folder this user can write, or create "${folder}" with write access for this user.`}`,
      details,
    );
    this.location = location;
    this.systemCode = systemCode;
  }

  static override isInstance(value: unknown): value is StoreUnavailableError {
    return isTesseraErrorWithCode(value, StoreUnavailableError.code);
  }
}
