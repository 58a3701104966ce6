import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The master key file changed under a key operation in a way the lock cannot explain (another
 * program wrote or removed it), so the operation stopped before it could lose a key.
 */
export class KeyFileChangedError extends TesseraError {
  static readonly code = "KEY_FILE_CHANGED";
  /** The key file. */
  readonly path: string;

  constructor(
    details: {
      path: string;
      /** What was seen, in words ("lost the key just written to it"). */
      what: string;
    } & TesseraErrorOptions,
  ) {
    super(
      KeyFileChangedError.code,
      `The master key file ${details.path} ${details.what}; the key operation stopped there and no document was re-wrapped. ${details.advice ?? "Something other than Tessera is writing that file (a sync tool, a configuration manager, a restore): stop it, check the file holds your keys (`tessera key status`), and retry."}`,
      details,
    );
    this.path = details.path;
  }

  static override isInstance(value: unknown): value is KeyFileChangedError {
    return isTesseraErrorWithCode(value, KeyFileChangedError.code);
  }
}
