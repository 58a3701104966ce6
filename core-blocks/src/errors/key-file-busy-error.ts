import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Another process held the key file's lock (a key rotation) for longer than Tessera waits. */
export class KeyFileBusyError extends TesseraError {
  static readonly code = "KEY_FILE_BUSY";
  /** The lock file beside the key file. */
  readonly lockPath: string;
  /** How long this process waited, in ms. */
  readonly waitedMs: number;

  constructor(
    details: {
      lockPath: string;
      waitedMs: number;
      /** Who holds the lock, as the lock file tells. */
      holder: string;
    } & TesseraErrorOptions,
  ) {
    const { lockPath, waitedMs, holder } = details;
    super(
      KeyFileBusyError.code,
      `The master key file is locked by another key operation (${holder}); this process waited ${waitedMs} ms and changed nothing. ${details.advice ?? `Retry when it has finished. If no Tessera process is running, remove the lock file ${lockPath}.`}`,
      details,
    );
    this.lockPath = lockPath;
    this.waitedMs = waitedMs;
  }

  static override isInstance(value: unknown): value is KeyFileBusyError {
    return isTesseraErrorWithCode(value, KeyFileBusyError.code);
  }
}
