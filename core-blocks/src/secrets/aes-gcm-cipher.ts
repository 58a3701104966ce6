import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { JsonValue } from "../schema/json.js";
import type { WrappedDataKey } from "../store/block-store.js";
import type { SealContext, SealedSecret, SecretCipher } from "./secret-cipher.js";

/** A 32-byte master key and its id (a fingerprint of the key, safe to print). */
export interface MasterKey {
  id: string;
  key: Buffer;
}

const FORMAT_VERSION = 1;
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The id of a master key: the first 8 bytes of its SHA-256, hex. */
export function masterKeyId(key: Buffer): string {
  return createHash("sha256")
    .update("tessera master key id")
    .update(key)
    .digest("hex")
    .slice(0, 16);
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/**
 * AES-256-GCM envelope encryption over a key ring (newest key first). Formats (version 1):
 * - wrapped data key: `version | master key id (8) | nonce (12) | ciphertext(data key id (8) + key (32)) | tag (16)`,
 *   associated data `tessera:data-key:v1:<master key id>`;
 * - sealed value: `version | data key id (8) | nonce (12) | ciphertext(JSON) | tag (16)`, associated data
 *   `tessera:secret:v1:<document id>:<field path>:<data key id>`.
 */
export class AesGcmSecretCipher implements SecretCipher {
  readonly #keys: MasterKey[];
  readonly #unwrapped = new Map<string, { id: Buffer; key: Buffer }>();

  constructor(keys: MasterKey[]) {
    if (keys.length === 0) throw new Error("AesGcmSecretCipher needs at least one master key.");
    this.#keys = keys;
  }

  get currentMasterKeyId(): string {
    return this.#keys[0]!.id;
  }

  async createDataKey(): Promise<WrappedDataKey> {
    return this.#wrap(this.#keys[0]!, randomBytes(ID_BYTES), randomBytes(32));
  }

  async rewrap(dataKey: WrappedDataKey): Promise<WrappedDataKey> {
    if (dataKey.masterKeyId === this.currentMasterKeyId) return dataKey;
    const { id, key } = this.#unwrap(dataKey);
    return this.#wrap(this.#keys[0]!, id, key);
  }

  async seal(context: SealContext, plaintext: JsonValue): Promise<SealedSecret> {
    const { id, key } = this.#unwrap(context.dataKey);
    const body = encrypt(key, Buffer.from(JSON.stringify(plaintext), "utf8"), sealAad(context, id));
    return { $sealed: Buffer.concat([Buffer.from([FORMAT_VERSION]), id, body]).toString("base64") };
  }

  async open(context: SealContext, sealed: SealedSecret): Promise<JsonValue> {
    const { id, key } = this.#unwrap(context.dataKey);
    const bytes = Buffer.from(sealed.$sealed, "base64");
    if (bytes[0] !== FORMAT_VERSION || bytes.length < 1 + ID_BYTES + NONCE_BYTES + TAG_BYTES) {
      throw new Error(`Sealed value of ${context.fieldPath} has an unknown format.`);
    }
    const storedId = bytes.subarray(1, 1 + ID_BYTES);
    if (!storedId.equals(id)) {
      throw new Error(`Sealed value of ${context.fieldPath} belongs to another data key.`);
    }
    const plaintext = decrypt(key, bytes.subarray(1 + ID_BYTES), sealAad(context, id));
    return JSON.parse(plaintext.toString("utf8")) as JsonValue;
  }

  #wrap(master: MasterKey, id: Buffer, key: Buffer): WrappedDataKey {
    const body = encrypt(master.key, Buffer.concat([id, key]), `tessera:data-key:v1:${master.id}`);
    const wrapped = Buffer.concat([
      Buffer.from([FORMAT_VERSION]),
      Buffer.from(master.id, "hex"),
      body,
    ]).toString("base64");
    return { masterKeyId: master.id, wrapped };
  }

  #unwrap(dataKey: WrappedDataKey): { id: Buffer; key: Buffer } {
    const cached = this.#unwrapped.get(dataKey.wrapped);
    if (cached) return cached;
    const master = this.#keys.find((candidate) => candidate.id === dataKey.masterKeyId);
    if (!master) throw new Error(`Master key ${dataKey.masterKeyId} is not available.`);
    const bytes = Buffer.from(dataKey.wrapped, "base64");
    const plain = decrypt(
      master.key,
      bytes.subarray(1 + ID_BYTES),
      `tessera:data-key:v1:${master.id}`,
    );
    const unwrapped = { id: plain.subarray(0, ID_BYTES), key: plain.subarray(ID_BYTES) };
    this.#unwrapped.set(dataKey.wrapped, unwrapped);
    return unwrapped;
  }
}

function sealAad(context: SealContext, dataKeyId: Buffer): string {
  return `tessera:secret:v1:${context.documentId}:${context.fieldPath}:${dataKeyId.toString("hex")}`;
}

/** A cipher over explicit 32-byte keys, newest first. */
export function createSecretCipher(keys: Buffer[]): SecretCipher {
  return new AesGcmSecretCipher(keys.map((key) => ({ id: masterKeyId(key), key })));
}
