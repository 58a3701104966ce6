import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Result storage that cannot store files: the block (or slug) does not implement `WritableFileSystem`. */
export class InvalidResultStorageError extends TesseraError {
  static readonly code = "INVALID_RESULT_STORAGE";
  /** What was given as storage: a slug, or a description of the value. */
  readonly storage: string;

  constructor(details: { storage: string; reason: string } & TesseraErrorOptions) {
    super(
      InvalidResultStorageError.code,
      `${details.storage} cannot hold results: ${details.reason}. ${details.advice ?? 'Use a storage block with the "read-path" and "write-path" capabilities (such as "local-file-system/<name>" or "s3-bucket/<name>"), or any object implementing WritableFileSystem.'}`,
      details,
    );
    this.storage = details.storage;
  }

  static override isInstance(value: unknown): value is InvalidResultStorageError {
    return isTesseraErrorWithCode(value, InvalidResultStorageError.code);
  }
}
