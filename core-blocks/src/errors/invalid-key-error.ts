import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A master key that is not a base64-encoded 32-byte key. The message never shows the key text. */
export class InvalidKeyError extends TesseraError {
  static readonly code = "INVALID_KEY";
  /** Where the key came from: `TESSERA_ENCRYPTION_KEY` or the key file's path. */
  readonly source: string;
  /** 1-based position of the key in its source (newest first). */
  readonly position: number;
  /** What is wrong with it, in words. */
  readonly reason: string;

  constructor(details: { source: string; position: number; reason: string } & TesseraErrorOptions) {
    const { source, position, reason } = details;
    super(
      InvalidKeyError.code,
      `Master key ${position} of ${source} is invalid: ${reason}. ${details.advice ?? "Each key must be 32 random bytes in base64 (44 characters), for example from `openssl rand -base64 32`; several keys are separated by commas (environment) or lines (key file), newest first."}`,
      details,
    );
    this.source = source;
    this.position = position;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is InvalidKeyError {
    return isTesseraErrorWithCode(value, InvalidKeyError.code);
  }
}
