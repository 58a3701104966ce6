import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The store could not write: the disk is full, the file reached a size limit, the disk reported
 * an I/O error, or the file or its folder is read-only. The write was rolled back as a whole.
 */
export class StoreWriteFailedError extends TesseraError {
  static readonly code = "STORE_WRITE_FAILED";
  /** Where the store lives (a file path). */
  readonly location: string;
  /** The driver's error code (for example `SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_READONLY`). */
  readonly driverCode: string;

  constructor(details: { location: string; driverCode: string } & TesseraErrorOptions) {
    const { location, driverCode } = details;
    const { reason, fix } = explain(driverCode);
    super(
      StoreWriteFailedError.code,
      `Could not write to the block store "${location}": ${reason} (${driverCode}). This write was rolled back; nothing saved before it was lost. ${details.advice ?? `${fix}, then retry.`}`,
      details,
    );
    this.location = location;
    this.driverCode = driverCode;
  }

  static override isInstance(value: unknown): value is StoreWriteFailedError {
    return isTesseraErrorWithCode(value, StoreWriteFailedError.code);
  }
}

function explain(driverCode: string): { reason: string; fix: string } {
  if (driverCode.startsWith("SQLITE_READONLY") || driverCode === "SQLITE_PERM") {
    return {
      reason: "the file or its folder is read-only for this process",
      fix: "Make the file, its folder and its -wal/-shm files writable (or mount the disk read-write)",
    };
  }
  if (driverCode === "SQLITE_CANTOPEN") {
    return {
      reason: "the file or its folder cannot be opened for writing",
      fix: "Check that the folder exists and is writable by this user",
    };
  }
  return {
    reason: "the disk is full, the file reached a size limit, or the disk reported an I/O error",
    fix: "Free disk space (or raise the file size limit) and check the disk",
  };
}
