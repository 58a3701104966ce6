import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A write would have stored a data key wrapped by a master key that is not the store's current
 * one (another process rotated the keys meanwhile). Nothing was written.
 */
export class MasterKeyNotCurrentError extends TesseraError {
  static readonly code = "MASTER_KEY_NOT_CURRENT";
  /** Where the store lives. */
  readonly location: string;
  /** The master key id the write used. */
  readonly masterKeyId: string;
  /** The store's current master key id. */
  readonly currentMasterKeyId: string;

  constructor(
    details: {
      location: string;
      masterKeyId: string;
      currentMasterKeyId: string;
    } & TesseraErrorOptions,
  ) {
    const { location, masterKeyId, currentMasterKeyId } = details;
    super(
      MasterKeyNotCurrentError.code,
      `The store ${location} now wraps new data keys under master key ${currentMasterKeyId}, but this write used master key ${masterKeyId}: another process rotated the keys meanwhile. ${details.advice ?? "Nothing was written; retry the save (it picks up the current key)."}`,
      details,
    );
    this.location = location;
    this.masterKeyId = masterKeyId;
    this.currentMasterKeyId = currentMasterKeyId;
  }

  static override isInstance(value: unknown): value is MasterKeyNotCurrentError {
    return isTesseraErrorWithCode(value, MasterKeyNotCurrentError.code);
  }
}
