import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { DecryptionFailedError, InvalidInputError } from "../errors/index.js";
import type { JsonValue } from "../schema/json.js";
import type { WrappedDataKey } from "../store/block-store.js";
import type { SealContext, SealedSecret, SecretCipher } from "./secret-cipher.js";

/** A 32-byte master key and its id (a fingerprint of the key, safe to print). */
export interface MasterKey {
  /** 16 hex characters: the first 8 bytes of a SHA-256 over the key (see `masterKeyId`). */
  id: string;
  /** The 32 key bytes. */
  key: Buffer;
}

/** Settings of `AesGcmSecretCipher`. */
export interface AesGcmSecretCipherOptions {
  /**
   * Appended to the message of a `DECRYPTION_FAILED` error when a master key is not in the ring,
   * telling the user where keys come from (for example "Set TESSERA_ENCRYPTION_KEY …").
   * @default "Make the master key available (TESSERA_ENCRYPTION_KEY or the key file) and retry."
   */
  missingKeyHint?: string;
}

/** The format version of wrapped data keys (the only one there is). */
const SECRET_FORMAT_VERSION = 1;
/**
 * The format version of sealed values this release writes. Version 2 binds the field path as a
 * list of segments; version 1 (still read) bound the dotted path, which two different fields can
 * share when a key holds a dot.
 */
export const SEALED_VALUE_FORMAT_VERSION = 2;
/** Sealed-value format versions this release reads. */
const READABLE_SEALED_VERSIONS: ReadonlySet<number> = new Set([1, SEALED_VALUE_FORMAT_VERSION]);
const ID_BYTES = 8;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + ID_BYTES;
const MIN_SEALED_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const MAX_UNWRAPPED_CACHE = 10_000;

/** The id of a master key: the first 8 bytes of a SHA-256 over a label and the key, hex. */
export function masterKeyId(key: Buffer): string {
  return createHash("sha256")
    .update("tessera master key id")
    .update(key)
    .digest("hex")
    .slice(0, ID_BYTES * 2);
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Decrypts `nonce | ciphertext | tag`; throws node's error when authentication fails. */
function decrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** Associated data of a wrapped data key: binds it to the master key id and the format. */
function wrapAad(masterId: string): Buffer {
  return Buffer.from(JSON.stringify(["tessera:data-key", SECRET_FORMAT_VERSION, masterId]), "utf8");
}

/** What a sealed value is bound to besides its data key. */
type ValueContext = Omit<SealContext, "dataKey">;

const MAX_AAD_CACHE = 4096;
const aadCache = new Map<string, Buffer>();

/** The keys and indexes of a field path, as bound into format version 2. */
function segmentsOf(context: ValueContext): string[] {
  return context.fieldPathSegments
    ? context.fieldPathSegments.map(String)
    : context.fieldPath.split(".");
}

/**
 * Associated data of a sealed value: binds it to the document, the field and the data key.
 * Version 1 holds the dotted field path, version 2 the list of its segments (JSON, so no two
 * paths share it). Built once per (version, document, field, data key) and reused: it is on the
 * hot path of every reveal.
 */
function sealAad(context: ValueContext, keyId: string, version: number): Buffer {
  // Without explicit segments the dotted path determines them, so it keys the cache as it is.
  const pathKey =
    version === 1 || !context.fieldPathSegments
      ? `.${context.fieldPath}`
      : `[${JSON.stringify(context.fieldPathSegments)}`;
  const cacheKey = `${version}\u0000${context.documentId}\u0000${pathKey}\u0000${keyId}`;
  let aad = aadCache.get(cacheKey);
  if (aad === undefined) {
    const path = version === 1 ? context.fieldPath : segmentsOf(context);
    aad = Buffer.from(
      JSON.stringify(["tessera:secret", version, context.documentId, path, keyId]),
      "utf8",
    );
    if (aadCache.size >= MAX_AAD_CACHE) aadCache.clear();
    aadCache.set(cacheKey, aad);
  }
  return aad;
}

/**
 * Strict base64 decoding without a regular expression over the whole text (values can be large):
 * node's decoder skips characters outside the alphabet, so any such character shows up as a
 * decoded length that does not match the text's length.
 */
function decodeBase64(text: unknown): Buffer | undefined {
  if (typeof text !== "string" || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

/** A data key in clear, with its id as bytes and as hex (the form bound into associated data). */
export interface PlainDataKey {
  /** The data key's id (8 bytes), bound into every value sealed with it. */
  id: Buffer;
  idHex: string;
  /** The 32 key bytes. */
  key: Buffer;
}

interface UnwrappedDataKey extends PlainDataKey {
  masterKeyId: string;
}

/**
 * Seals one value with a data key in clear: the one place values are encrypted, whether the data
 * key was unwrapped with a local master key or by a server.
 */
export function sealWithDataKey(
  dataKey: PlainDataKey,
  context: ValueContext,
  plaintext: JsonValue,
): SealedSecret {
  const json = JSON.stringify(plaintext);
  if (json === undefined)
    throw new InvalidInputError({
      subject: context.fieldPath,
      message: `Secret ${context.fieldPath} is not a JSON value.`,
    });
  const version = SEALED_VALUE_FORMAT_VERSION;
  const body = encrypt(
    dataKey.key,
    Buffer.from(json, "utf8"),
    sealAad(context, dataKey.idHex, version),
  );
  return {
    $sealed: Buffer.concat([Buffer.from([version]), dataKey.id, body]).toString("base64"),
  };
}

/**
 * Opens one sealed value with a data key in clear. Anything that does not decrypt is
 * `DECRYPTION_FAILED`; it never returns an empty or partial value.
 */
export function openWithDataKey(
  dataKey: PlainDataKey,
  context: ValueContext,
  sealed: SealedSecret,
): JsonValue {
  const { id, idHex, key } = dataKey;
  const bytes = decodeBase64(sealed?.$sealed);
  if (bytes === undefined || bytes.length < MIN_SEALED_BYTES) {
    throw new DecryptionFailedError({
      reason: "unsupported-format",
      fieldPath: context.fieldPath,
      message: `The stored ${describeField(context)} is not a sealed value (not base64, or too short to hold a nonce and tag). It was altered or truncated; save the secret again.`,
    });
  }
  const version = bytes[0]!;
  if (!READABLE_SEALED_VERSIONS.has(version)) {
    throw new DecryptionFailedError({
      reason: "unsupported-format",
      fieldPath: context.fieldPath,
      message: `The stored ${describeField(context)} uses secret format version ${version}, which this version of @tessera/core does not know (it reads versions ${[...READABLE_SEALED_VERSIONS].join(" and ")}). Upgrade @tessera/core, or save the secret again.`,
    });
  }
  const storedId = bytes.subarray(1, HEADER_BYTES);
  if (!storedId.equals(id)) {
    throw new DecryptionFailedError({
      reason: "authentication-failed",
      keyId: storedId.toString("hex"),
      fieldPath: context.fieldPath,
      message: `The stored ${describeField(context)} was sealed with data key ${storedId.toString("hex")}, not this document's data key ${id.toString("hex")}: it was copied from another document. Save the secret again.`,
    });
  }
  let plaintext: Buffer;
  try {
    plaintext = decrypt(key, bytes.subarray(HEADER_BYTES), sealAad(context, idHex, version));
  } catch {
    throw new DecryptionFailedError({
      reason: "authentication-failed",
      keyId: id.toString("hex"),
      fieldPath: context.fieldPath,
      message: `The stored ${describeField(context)} (data key ${id.toString("hex")}) failed authentication: it was altered, truncated, or moved from another field or document. Save the secret again.`,
    });
  }
  try {
    return JSON.parse(plaintext.toString("utf8")) as JsonValue;
  } catch {
    throw new DecryptionFailedError({
      reason: "unsupported-format",
      keyId: id.toString("hex"),
      fieldPath: context.fieldPath,
      message: `The stored ${describeField(context)} decrypted to something that is not JSON. Save the secret again.`,
    });
  }
}

/**
 * AES-256-GCM envelope encryption over a key ring (newest master key first). Base64 on the wire:
 * - wrapped data key (format 1): `version (1) | master key id (8) | nonce (12) | ciphertext of (data key id (8) + key (32)) | tag (16)`,
 *   associated data `["tessera:data-key", 1, <master key id>]` (JSON);
 * - sealed value (format 2): `version (1) | data key id (8) | nonce (12) | ciphertext of the value's JSON | tag (16)`,
 *   associated data `["tessera:secret", 2, <document id>, [<path segment>, …], <data key id>]`
 *   (JSON). Format 1 values, written by earlier releases, still open: their associated data is
 *   `["tessera:secret", 1, <document id>, <dotted field path>, <data key id>]`.
 *
 * Every nonce is fresh (96 random bits). Anything that does not decrypt — a missing master key,
 * an unknown version byte, a truncated, altered or moved ciphertext — is a `DECRYPTION_FAILED`
 * error naming the key id; it never returns an empty or partial value.
 */
export class AesGcmSecretCipher implements SecretCipher {
  readonly #keys: readonly MasterKey[];
  readonly #missingKeyHint: string;
  readonly #unwrapped = new Map<string, UnwrappedDataKey>();

  constructor(keys: readonly MasterKey[], options: AesGcmSecretCipherOptions = {}) {
    if (keys.length === 0)
      throw new InvalidInputError({
        subject: "keys",
        message: "AesGcmSecretCipher needs at least one master key.",
      });
    for (const key of keys) {
      if (key.key.length !== KEY_BYTES)
        throw new InvalidInputError({
          subject: "keys",
          message: "A master key must be 32 bytes long.",
        });
    }
    this.#keys = keys;
    this.#missingKeyHint =
      options.missingKeyHint ??
      "Make the master key available (TESSERA_ENCRYPTION_KEY or the key file) and retry.";
  }

  /** Id of the newest master key (the one new data keys are wrapped with). */
  get currentMasterKeyId(): string {
    return this.#keys[0]!.id;
  }

  /** Ids of every master key in the ring, newest first. */
  get masterKeyIds(): string[] {
    return this.#keys.map((key) => key.id);
  }

  async createDataKey(): Promise<WrappedDataKey> {
    return this.#wrap(this.#keys[0]!, randomBytes(ID_BYTES), randomBytes(KEY_BYTES));
  }

  async rewrap(dataKey: WrappedDataKey): Promise<WrappedDataKey> {
    if (dataKey.masterKeyId === this.currentMasterKeyId) return dataKey;
    const { id, key } = this.#unwrap(dataKey);
    return this.#wrap(this.#keys[0]!, id, key);
  }

  async seal(context: SealContext, plaintext: JsonValue): Promise<SealedSecret> {
    return sealWithDataKey(this.#unwrap(context.dataKey), context, plaintext);
  }

  async open(context: SealContext, sealed: SealedSecret): Promise<JsonValue> {
    return this.openSync(context, sealed);
  }

  /** `open` without the promise, for callers on the hot path of a reveal. */
  openSync(context: SealContext, sealed: SealedSecret): JsonValue {
    return openWithDataKey(this.#unwrap(context.dataKey), context, sealed);
  }

  /**
   * The data key `dataKey` wraps, in clear: for a server that unwraps data keys for clients
   * holding no master key (like a key management service's Decrypt). `DECRYPTION_FAILED` as for
   * `open` when the master key is missing or the wrapped key was altered.
   */
  unwrapDataKey(dataKey: WrappedDataKey): PlainDataKey {
    const { id, idHex, key } = this.#unwrap(dataKey);
    return { id, idHex, key };
  }

  #wrap(master: MasterKey, id: Buffer, key: Buffer): WrappedDataKey {
    const body = encrypt(master.key, Buffer.concat([id, key]), wrapAad(master.id));
    const wrapped = Buffer.concat([
      Buffer.from([SECRET_FORMAT_VERSION]),
      Buffer.from(master.id, "hex"),
      body,
    ]).toString("base64");
    return { masterKeyId: master.id, wrapped };
  }

  #unwrap(dataKey: WrappedDataKey): UnwrappedDataKey {
    const cached = this.#unwrapped.get(dataKey.wrapped);
    if (cached && dataKey.masterKeyId === cached.masterKeyId) return cached;
    const masterId = String(dataKey?.masterKeyId);
    const master = this.#keys.find((candidate) => candidate.id === masterId);
    if (!master) {
      throw new DecryptionFailedError({
        reason: "key-unavailable",
        keyId: masterId,
        message: `The document's secrets are encrypted under master key ${masterId}, which is not available (the key ring holds ${this.#keys.map((key) => key.id).join(", ")}). ${this.#missingKeyHint}`,
      });
    }
    const bytes = decodeBase64(dataKey.wrapped);
    if (
      bytes === undefined ||
      bytes.length !== HEADER_BYTES + NONCE_BYTES + ID_BYTES + KEY_BYTES + TAG_BYTES
    ) {
      throw new DecryptionFailedError({
        reason: "unsupported-format",
        keyId: masterId,
        message: `The document's wrapped data key (master key ${masterId}) is not in a known format: it was altered or truncated.`,
      });
    }
    if (bytes[0] !== SECRET_FORMAT_VERSION) {
      throw new DecryptionFailedError({
        reason: "unsupported-format",
        keyId: masterId,
        message: `The document's wrapped data key uses format version ${bytes[0]}, which this version of @tessera/core does not know (it reads version ${SECRET_FORMAT_VERSION}). Upgrade @tessera/core.`,
      });
    }
    if (bytes.subarray(1, HEADER_BYTES).toString("hex") !== master.id) {
      throw new DecryptionFailedError({
        reason: "authentication-failed",
        keyId: masterId,
        message: `The document's wrapped data key does not belong to master key ${masterId}: it was altered.`,
      });
    }
    let plain: Buffer;
    try {
      plain = decrypt(master.key, bytes.subarray(HEADER_BYTES), wrapAad(master.id));
    } catch {
      throw new DecryptionFailedError({
        reason: "authentication-failed",
        keyId: masterId,
        message: `The document's data key does not decrypt with master key ${masterId}: the wrapped data key was altered.`,
      });
    }
    const id = plain.subarray(0, ID_BYTES);
    const unwrapped = {
      id,
      idHex: id.toString("hex"),
      key: plain.subarray(ID_BYTES),
      masterKeyId: masterId,
    };
    if (this.#unwrapped.size >= MAX_UNWRAPPED_CACHE) this.#unwrapped.clear();
    this.#unwrapped.set(dataKey.wrapped, unwrapped);
    return unwrapped;
  }
}

/** Names a secret field in error messages. */
function describeField(context: ValueContext): string {
  return `secret field "${context.fieldPath}" of document ${context.documentId}`;
}

/** A cipher over explicit 32-byte keys, newest first. */
export function createSecretCipher(
  keys: Buffer[],
  options: AesGcmSecretCipherOptions = {},
): AesGcmSecretCipher {
  const seen = new Set<string>();
  const ring: MasterKey[] = [];
  for (const key of keys) {
    const id = masterKeyId(key);
    if (seen.has(id)) continue;
    seen.add(id);
    ring.push({ id, key });
  }
  return new AesGcmSecretCipher(ring, options);
}
