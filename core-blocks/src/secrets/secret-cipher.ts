import type { SealedSecret } from "../protocol/index.js";
import type { JsonValue } from "../schema/json.js";
import type { WrappedDataKey } from "../store/block-store.js";

export { isSealedSecret, type SealedSecret } from "../protocol/index.js";

/** What a sealed value is bound to: a ciphertext moved anywhere else does not open. */
export interface SealContext {
  /** The document's immutable id. */
  documentId: string;
  /** The secret field's dotted path, such as `credentials.secretAccessKey` (for messages). */
  fieldPath: string;
  /**
   * The field path as its keys and array indexes, such as `["credentials", "secretAccessKey"]`.
   * This is what a new ciphertext is bound to: keys may hold dots, so `m["x.y"].z` and
   * `m.x["y.z"]` share a dotted path but not their segments.
   * @default `fieldPath` split at its dots
   */
  fieldPathSegments?: readonly string[];
  /** The document's wrapped data key. */
  dataKey: WrappedDataKey;
}

/**
 * Envelope encryption of secret fields. The block layer calls it on save and on reveal; stores only
 * ever see `SealedSecret` and `WrappedDataKey`.
 */
export interface SecretCipher {
  /** A new data key for a document, wrapped by the newest master key. */
  createDataKey(): Promise<WrappedDataKey>;
  /** Encrypts one value for one field of one document. */
  seal(context: SealContext, plaintext: JsonValue): Promise<SealedSecret>;
  /** Decrypts one value. `DECRYPTION_FAILED` when the key is missing or the value was altered or moved. */
  open(context: SealContext, sealed: SealedSecret): Promise<JsonValue>;
  /** Re-wraps a data key under the newest master key (key rotation). */
  rewrap(dataKey: WrappedDataKey): Promise<WrappedDataKey>;
  /** Id of the newest master key (the one new data keys are wrapped with). */
  readonly currentMasterKeyId: string;
}
