import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The store file is damaged: it is not a database, a page of it is corrupt, a stored row does
 * not parse, or it was emptied while its key file still holds keys. Nothing was changed.
 */
export class StoreCorruptedError extends TesseraError {
  static readonly code = "STORE_CORRUPTED";
  /** Where the store lives (a file path). */
  readonly location: string;

  /**
   * @param problem what is wrong, as a clause ("it is not a SQLite database")
   * @param fix what to do, as sentences; defaults to restoring or recovering the file
   */
  constructor(
    details: {
      location: string;
      /** What is damaged. */
      problem: string;
    } & TesseraErrorOptions,
  ) {
    const { location, problem } = details;
    const fix =
      details.advice ??
      `Restore the file from a backup, or recover what is readable with the sqlite3 command line: sqlite3 "${location}" ".recover" | sqlite3 recovered.db, then move recovered.db into its place. To start a new store instead, set TESSERA_HOME to another folder.`;
    super(
      StoreCorruptedError.code,
      `The block store "${location}" is damaged: ${problem}. Nothing was changed. ${fix}`,
      details,
    );
    this.location = location;
  }

  static override isInstance(value: unknown): value is StoreCorruptedError {
    return isTesseraErrorWithCode(value, StoreCorruptedError.code);
  }
}
