import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Why a secret could not be decrypted. */
export type DecryptionFailureReason =
  /** The master key that wrapped the document's data key is not in the key ring. */
  | "key-unavailable"
  /** The stored bytes are not in a format this version understands (unknown version byte, bad encoding, too short). */
  | "unsupported-format"
  /** Authentication failed: the ciphertext or its tag was altered, truncated, or moved to another field or document. */
  | "authentication-failed";

/**
 * A secret (or a document's data key) could not be decrypted. Never carries the ciphertext or
 * the plaintext; names the key id, and the document and field when known.
 */
export class DecryptionFailedError extends TesseraError {
  static readonly code = "DECRYPTION_FAILED";
  /** The id of the key involved (master key id, or data key id for a sealed value), when known. */
  readonly keyId: string | undefined;
  /** Why decryption failed. */
  readonly reason: DecryptionFailureReason;
  /** The secret field's path, when the failure is about one value. */
  readonly fieldPath: string | undefined;

  constructor(
    details: {
      reason: DecryptionFailureReason;
      keyId?: string;
      fieldPath?: string;
      /** What failed and what to do; never the ciphertext or the plaintext. */
      message: string;
    } & TesseraErrorOptions,
  ) {
    super(
      DecryptionFailedError.code,
      details.advice === undefined ? details.message : `${details.message} ${details.advice}`,
      details,
    );
    this.reason = details.reason;
    this.keyId = details.keyId;
    this.fieldPath = details.fieldPath;
  }

  static override isInstance(value: unknown): value is DecryptionFailedError {
    return isTesseraErrorWithCode(value, DecryptionFailedError.code);
  }
}
