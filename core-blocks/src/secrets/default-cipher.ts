import { DecryptionFailedError, StoreReadOnlyError } from "../errors/index.js";
import { logDebug } from "../log/index.js";
import { type BlockStore, getDefaultStore } from "../store/index.js";
import { type AesGcmSecretCipher, createSecretCipher } from "./aes-gcm-cipher.js";
import {
  createKeyFile,
  ENCRYPTION_KEY_VARIABLE,
  keyFilePath,
  type MasterKeyRing,
  readEnvironmentKeys,
  readKeyFile,
} from "./master-key-ring.js";
import type { SecretCipher } from "./secret-cipher.js";

/** Store meta key: JSON array of the ids of every master key that was current for this store. */
export const KNOWN_MASTER_KEYS_META = "secrets.master-key-ids";

/** A master key id that no real key has (ids are hex), to list every document with a data key. */
export const NO_MASTER_KEY_ID = "-";

interface CachedCipher {
  /** The environment the cipher was built from; a change rebuilds it. */
  signature: string;
  cipher: Promise<AesGcmSecretCipher>;
}

let ciphers = new WeakMap<BlockStore, CachedCipher>();

/** Cheap to compute on every call: the raw variables the key ring depends on. */
function environmentSignature(): string {
  return `${process.env[ENCRYPTION_KEY_VARIABLE] ?? ""}\u0000${process.env.TESSERA_HOME ?? ""}`;
}

/** The hint a missing-key error ends with: where this process looks for keys. */
export function missingKeyHint(): string {
  return `Restore the key file ${keyFilePath()} from your backup, or set ${ENCRYPTION_KEY_VARIABLE} to the missing key (base64; several keys comma-separated, newest first).`;
}

/** Master key ids recorded in the store's meta. */
export async function knownMasterKeyIds(store: BlockStore): Promise<string[]> {
  const text = await store.getMeta(KNOWN_MASTER_KEYS_META);
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Adds master key ids to the store's meta record (no write when nothing is new). A store opened
 * read-only keeps its record as it is: reading secrets from it still works.
 */
export async function recordMasterKeyIds(store: BlockStore, ids: string[]): Promise<void> {
  const known = await knownMasterKeyIds(store);
  const merged = [...new Set([...known, ...ids])];
  if (merged.length !== known.length) {
    await store.setMeta(KNOWN_MASTER_KEYS_META, JSON.stringify(merged)).catch((error: unknown) => {
      if (!StoreReadOnlyError.isInstance(error)) throw error;
    });
  }
}

/**
 * The key ring this process uses: `TESSERA_ENCRYPTION_KEY` when set, else the key file. When
 * neither exists the key file is created — unless `store` already holds secrets, which were then
 * encrypted under a key that is lost: that is `DECRYPTION_FAILED` naming the key ids, and no new
 * key is generated over them.
 */
export async function loadMasterKeyRing(store: BlockStore): Promise<MasterKeyRing> {
  const configured = readEnvironmentKeys() ?? readKeyFile();
  if (configured) return configured;
  const [holder] = await store.listDataKeys({ notMasterKeyId: NO_MASTER_KEY_ID, limit: 1 });
  if (holder) {
    const ids = [...new Set([...(await knownMasterKeyIds(store)), holder.dataKey.masterKeyId])];
    throw new DecryptionFailedError("key-unavailable", {
      keyId: holder.dataKey.masterKeyId,
      message: `No master key is available, but the store ${store.location} holds secrets encrypted under master key ${ids.join(", ")}. Tessera will not create a new key over them. ${missingKeyHint()}`,
    });
  }
  const ring = createKeyFile();
  logDebug("secrets", "created the master key file", {
    path: keyFilePath(),
    masterKeyId: ring.keys[0]!.id,
  });
  return ring;
}

async function buildCipher(store: BlockStore): Promise<AesGcmSecretCipher> {
  const ring = await loadMasterKeyRing(store);
  const ringIds = ring.keys.map((key) => key.id);
  const [other] = await store.listDataKeys({ notMasterKeyId: ringIds[0]!, limit: 1 });
  if (other && !ringIds.includes(other.dataKey.masterKeyId)) {
    const known = await knownMasterKeyIds(store);
    if (!known.some((id) => ringIds.includes(id))) {
      const source =
        ring.source.kind === "environment" ? ring.source.variable : `key file ${ring.source.path}`;
      throw new DecryptionFailedError("key-unavailable", {
        keyId: other.dataKey.masterKeyId,
        message: `The store ${store.location} holds secrets encrypted under master key ${other.dataKey.masterKeyId}, but the ${source} holds only ${ringIds.join(", ")}: a wrong key. Tessera refuses to mix a new key into this store. ${missingKeyHint()} To move to a new key, list it first and the old one after it, then run key rotation.`,
      });
    }
  }
  await recordMasterKeyIds(store, [ringIds[0]!]);
  logDebug("secrets", "loaded the master key ring", {
    source: ring.source.kind,
    masterKeyIds: ringIds,
    store: store.location,
  });
  return createSecretCipher(
    ring.keys.map((key) => key.key),
    { missingKeyHint: missingKeyHint() },
  );
}

/**
 * The cipher that seals and opens the secrets of documents in `store`. Master keys come from
 * `TESSERA_ENCRYPTION_KEY` (base64 32-byte keys, comma-separated, newest first), else from the key
 * file `$TESSERA_HOME/master.key` (one key per line, newest first; mode 0600, created atomically
 * on first use). Fails closed with `DECRYPTION_FAILED` when the store holds secrets and none of
 * its master keys is available, rather than generating a new key over them. Cached per store
 * until the key environment changes. `store` defaults to `getDefaultStore()`.
 */
export function getSecretCipher(store?: BlockStore): Promise<SecretCipher> {
  if (store === undefined) return getDefaultStore().then((opened) => getSecretCipher(opened));
  const signature = environmentSignature();
  const cached = ciphers.get(store);
  if (cached && cached.signature === signature) return cached.cipher;
  const cipher = buildCipher(store).catch((error: unknown) => {
    if (ciphers.get(store)?.cipher === cipher) ciphers.delete(store);
    throw error;
  });
  ciphers.set(store, { signature, cipher });
  return cipher;
}

/** Drops the cached cipher of `store` (after the key file changed); without one, of every store. */
export function forgetSecretCipher(store?: BlockStore): void {
  if (store === undefined) ciphers = new WeakMap();
  else ciphers.delete(store);
}
