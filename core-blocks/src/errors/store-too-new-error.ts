import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A store file was created (or upgraded) by a newer Tessera than the one opening it. */
export class StoreTooNewError extends TesseraError {
  static readonly code = "STORE_TOO_NEW";
  /** Where the store lives (a file path). */
  readonly location: string;
  /** The store's table version, as written by the newer Tessera. */
  readonly storeVersion: number;
  /** The newest table version this Tessera understands. */
  readonly supportedVersion: number;

  constructor(
    details: {
      location: string;
      storeVersion: number;
      supportedVersion: number;
    } & TesseraErrorOptions,
  ) {
    const { location, storeVersion, supportedVersion } = details;
    super(
      StoreTooNewError.code,
      `The block store "${location}" was written by a newer Tessera (store version ${storeVersion}; this @tessera/core understands up to ${supportedVersion}). ${details.advice ?? "Upgrade @tessera/core to open it, or point TESSERA_HOME at another folder. The file was not changed."}`,
      details,
    );
    this.location = location;
    this.storeVersion = storeVersion;
    this.supportedVersion = supportedVersion;
  }

  static override isInstance(value: unknown): value is StoreTooNewError {
    return isTesseraErrorWithCode(value, StoreTooNewError.code);
  }
}
