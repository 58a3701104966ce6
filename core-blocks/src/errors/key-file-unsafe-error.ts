import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The master key file is not a plain file owned by the current user (a symbolic link, a folder,
 * or a file of another user), so someone else could swap or read the keys; it is refused.
 */
export class KeyFileUnsafeError extends TesseraError {
  static readonly code = "KEY_FILE_UNSAFE";
  /** The key file. */
  readonly path: string;
  /** What is wrong with it, in words. */
  readonly reason: string;

  constructor(details: { path: string; reason: string } & TesseraErrorOptions) {
    super(
      KeyFileUnsafeError.code,
      `The master key file ${details.path} ${details.reason}, so another user could replace or read the keys; Tessera refuses to use it. ${details.advice ?? "Make it a regular file owned by you with mode 0600 (copy the keys into a new file in its place), or set TESSERA_ENCRYPTION_KEY instead."}`,
      details,
    );
    this.path = details.path;
    this.reason = details.reason;
  }

  static override isInstance(value: unknown): value is KeyFileUnsafeError {
    return isTesseraErrorWithCode(value, KeyFileUnsafeError.code);
  }
}
