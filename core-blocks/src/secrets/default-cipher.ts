import { DecryptionFailedError, StoreBusyError, StoreReadOnlyError } from "../errors/index.js";
import { logDebug } from "../log/index.js";
import type { JsonValue } from "../schema/json.js";
import { type BlockStore, getDefaultStore, type WrappedDataKey } from "../store/index.js";
import {
  type AesGcmSecretCipher,
  createSecretCipher,
  type PlainDataKey,
} from "./aes-gcm-cipher.js";
import {
  createKeyFile,
  describeKeySource,
  ENCRYPTION_KEY_VARIABLE,
  keyFilePath,
  type MasterKeyRing,
  readEnvironmentKeys,
  readKeyFile,
  retiredKeyFilePath,
} from "./master-key-ring.js";
import type { SealContext, SealedSecret, SecretCipher } from "./secret-cipher.js";
import { isDataKeyService, ServerDataKeyCipher } from "./server-data-key-cipher.js";

/** A master key id that no real key has (ids are hex), to list every document with a data key. */
export const NO_MASTER_KEY_ID = "-";

interface CachedCipher {
  /** The environment the cipher was built from; a change rebuilds it. */
  signature: string;
  cipher: Promise<StoreCipher>;
}

let ciphers = new WeakMap<BlockStore, CachedCipher>();

/** Cheap to compute on every call: the raw variables the key ring depends on. */
function environmentSignature(): string {
  return `${process.env[ENCRYPTION_KEY_VARIABLE] ?? ""}\u0000${process.env.TESSERA_HOME ?? ""}`;
}

/** The hint a missing-key error ends with: where this process looks for keys. */
function missingKeyHint(): string {
  return `Restore the key file ${keyFilePath()} from your backup, or set ${ENCRYPTION_KEY_VARIABLE} to the missing key (base64; several keys comma-separated, newest first).`;
}

/** The hint for a key this process re-read its key source for and still does not hold. */
function stillMissingHint(ring: MasterKeyRing): string {
  const retired =
    ring.source.kind === "key-file"
      ? ` Keys retired by \`tessera key rotate --retire-old-keys\` are kept in ${retiredKeyFilePath(ring.source.path)}: copy the missing one from there to the end of the key file.`
      : "";
  return `${describeKeySource(ring.source)} was read again and does not hold it either.${retired} Otherwise add the missing key (after the current one) to ${describeKeySource(ring.source)}, restoring it from your backup.`;
}

/** Master key ids the store has recorded. */
async function knownMasterKeyIds(store: BlockStore): Promise<string[]> {
  return (await store.listMasterKeys()).map((record) => record.id);
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
    throw new DecryptionFailedError({
      reason: "key-unavailable",
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

/** The configured ring, checked against the store, and the key new data keys are wrapped by. */
interface SyncedRing {
  ring: MasterKeyRing;
  /** The store's current master key, which this ring holds. */
  currentId: string;
}

/**
 * Reads the key source and settles which key wraps new data keys: always the key the store
 * records as current. A store with no current key adopts the ring's newest; so does a store whose
 * ring's newest key is one the store has never seen (a key the user just put first). A ring whose
 * newest key the store already knows but which is not current is behind a rotation: the store's
 * current key is used, and when the ring lacks it, that is `DECRYPTION_FAILED`.
 */
async function syncRing(store: BlockStore): Promise<SyncedRing> {
  const ring = await loadMasterKeyRing(store);
  const ringIds = ring.keys.map((key) => key.id);
  const newest = ringIds[0]!;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const records = await store.listMasterKeys();
    const known = records.map((record) => record.id);
    const current = records.find((record) => record.current)?.id;
    const [other] = await store.listDataKeys({ notMasterKeyId: newest, limit: 1 });
    if (other && !ringIds.includes(other.dataKey.masterKeyId)) {
      if (!known.some((id) => ringIds.includes(id))) {
        throw new DecryptionFailedError({
          reason: "key-unavailable",
          keyId: other.dataKey.masterKeyId,
          message: `The store ${store.location} holds secrets encrypted under master key ${other.dataKey.masterKeyId}, but the ${describeKeySource(ring.source)} holds only ${ringIds.join(", ")}: a wrong key. Tessera refuses to mix a new key into this store. ${missingKeyHint()} To move to a new key, list it first and the old one after it, then run key rotation.`,
        });
      }
    }
    if (current !== undefined && ringIds.includes(current)) {
      if (current === newest || known.includes(newest)) return { ring, currentId: current };
    } else if (current !== undefined && (known.includes(newest) || other !== undefined)) {
      throw new DecryptionFailedError({
        reason: "key-unavailable",
        keyId: current,
        message: `The store ${store.location} wraps new data keys under master key ${current} (another process rotated to it), but ${describeKeySource(ring.source)} holds only ${ringIds.join(", ")}. Add that key first in ${describeKeySource(ring.source)}: with the key file, every process on this TESSERA_HOME shares it; with ${ENCRYPTION_KEY_VARIABLE}, give every process the same keys.`,
      });
    }
    // No current key yet, or the ring's newest key is new to the store: it becomes current.
    let adopted: boolean;
    try {
      adopted = await store.setCurrentMasterKey(newest, { expectedCurrent: current ?? null });
    } catch (error) {
      // A store opened read-only records nothing and stores no data key: reading still works.
      if (!StoreReadOnlyError.isInstance(error)) throw error;
      return {
        ring,
        currentId: current !== undefined && ringIds.includes(current) ? current : newest,
      };
    }
    if (adopted) {
      logDebug("secrets", "made the ring's newest master key current", {
        masterKeyId: newest,
        store: store.location,
      });
      return { ring, currentId: newest };
    }
    if (attempt >= 20) {
      throw new StoreBusyError({
        location: store.location,
        waitedMs: Date.now() - started,
        advice:
          "Its current master key changed on every one of 20 reads (key rotations running back to back); retry when they have finished.",
      });
    }
  }
}

/**
 * The cipher of one store: AES-GCM over the process's key ring, kept in step with the store's
 * master keys. New data keys are wrapped only by the store's current key (checked before each one,
 * and again by the store in the write's transaction); a key id the ring does not hold makes it
 * read its key source again, and a document's data key re-wrapped meanwhile by a rotation is read
 * again from the store, before anything fails.
 */
class StoreCipher implements SecretCipher {
  readonly #store: BlockStore;
  #synced: SyncedRing;
  #inner: AesGcmSecretCipher;
  #refreshing: Promise<void> | undefined;

  constructor(store: BlockStore, synced: SyncedRing) {
    this.#store = store;
    this.#synced = synced;
    this.#inner = StoreCipher.#build(synced);
  }

  static #build(synced: SyncedRing): AesGcmSecretCipher {
    const { ring, currentId } = synced;
    // The store's current key first: the AES-GCM cipher wraps new data keys with its first key.
    const ordered = [
      ...ring.keys.filter((key) => key.id === currentId),
      ...ring.keys.filter((key) => key.id !== currentId),
    ];
    return createSecretCipher(
      ordered.map((key) => key.key),
      { missingKeyHint: missingKeyHint() },
    );
  }

  /** Id of the master key new data keys are wrapped with: the store's current key. */
  get currentMasterKeyId(): string {
    return this.#inner.currentMasterKeyId;
  }

  /** Ids of every master key this process holds, the current one first. */
  get masterKeyIds(): string[] {
    return this.#inner.masterKeyIds;
  }

  /** Where this cipher's keys come from. */
  get ring(): MasterKeyRing {
    return this.#synced.ring;
  }

  /** Reads the key source again and settles the current key with the store. */
  refresh(): Promise<void> {
    this.#refreshing ??= syncRing(this.#store)
      .then((synced) => {
        this.#synced = synced;
        this.#inner = StoreCipher.#build(synced);
        logDebug("secrets", "read the master key ring again", {
          source: synced.ring.source.kind,
          masterKeyIds: synced.ring.keys.map((key) => key.id),
          current: synced.currentId,
        });
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async createDataKey(): Promise<WrappedDataKey> {
    const current = (await this.#store.listMasterKeys()).find((record) => record.current);
    if (current?.id !== this.#inner.currentMasterKeyId) await this.refresh();
    return this.#inner.createDataKey();
  }

  async rewrap(dataKey: WrappedDataKey): Promise<WrappedDataKey> {
    return this.#withKey(dataKey, undefined, (key) => this.#inner.rewrap(key));
  }

  /**
   * The data key `dataKey` wraps, in clear, for a client that holds no master key (see the
   * server's data key routes). `documentId` lets a key re-wrapped by a rotation meanwhile be read
   * again from the store.
   */
  async unwrapDataKey(dataKey: WrappedDataKey, documentId?: string): Promise<PlainDataKey> {
    return this.#withKey(dataKey, documentId, async (key) => this.#inner.unwrapDataKey(key));
  }

  async seal(context: SealContext, plaintext: JsonValue): Promise<SealedSecret> {
    return this.#withKey(context.dataKey, context.documentId, (dataKey) =>
      this.#inner.seal({ ...context, dataKey }, plaintext),
    );
  }

  async open(context: SealContext, sealed: SealedSecret): Promise<JsonValue> {
    // The common case first, without the retry's closures: the ring holds the data key's master.
    try {
      return this.#inner.openSync(context, sealed);
    } catch (error) {
      if (!isKeyUnavailable(error)) throw error;
    }
    return this.#withRefreshedKey(context.dataKey, context.documentId, (dataKey) =>
      this.#inner.open({ ...context, dataKey }, sealed),
    );
  }

  /**
   * Runs `use` with a data key; when its master key is not in the ring, reads the key source
   * again, and the document's data key from the store (a rotation may have re-wrapped it under a
   * key the ring holds, even retired the old one), then tries once more.
   */
  async #withKey<T>(
    dataKey: WrappedDataKey,
    documentId: string | undefined,
    use: (dataKey: WrappedDataKey) => Promise<T>,
  ): Promise<T> {
    try {
      return await use(dataKey);
    } catch (error) {
      if (!isKeyUnavailable(error)) throw error;
    }
    return this.#withRefreshedKey(dataKey, documentId, use);
  }

  /** The second half of `#withKey`, for a caller whose own first try met an unknown key. */
  async #withRefreshedKey<T>(
    dataKey: WrappedDataKey,
    documentId: string | undefined,
    use: (dataKey: WrappedDataKey) => Promise<T>,
  ): Promise<T> {
    await this.refresh();
    let latest = dataKey;
    if (documentId !== undefined) {
      const stored = (await this.#store.get({ id: documentId }))?.dataKey;
      if (stored && !this.#inner.masterKeyIds.includes(dataKey.masterKeyId)) latest = stored;
    }
    try {
      return await use(latest);
    } catch (error) {
      if (!isKeyUnavailable(error)) throw error;
      throw new DecryptionFailedError({
        reason: "key-unavailable",
        keyId: latest.masterKeyId,
        message: `The document's secrets are encrypted under master key ${latest.masterKeyId}, which this process does not have (it holds ${this.#inner.masterKeyIds.join(", ")}). ${stillMissingHint(this.#synced.ring)}`,
      });
    }
  }
}

function isKeyUnavailable(error: unknown): boolean {
  return DecryptionFailedError.isInstance(error) && error.reason === "key-unavailable";
}

async function buildCipher(store: BlockStore): Promise<StoreCipher> {
  const synced = await syncRing(store);
  logDebug("secrets", "loaded the master key ring", {
    source: synced.ring.source.kind,
    masterKeyIds: synced.ring.keys.map((key) => key.id),
    current: synced.currentId,
    store: store.location,
  });
  return new StoreCipher(store, synced);
}

/**
 * The cipher that seals and opens the secrets of documents in `store`. Master keys come from
 * `TESSERA_ENCRYPTION_KEY` (base64 32-byte keys, comma-separated, newest first), else from the key
 * file `$TESSERA_HOME/master.key` (one key per line, newest first; mode 0600, created atomically
 * on first use). New data keys are wrapped by the key the store records as current; a key id the
 * ring lacks makes it read its key source again before failing. Fails closed with
 * `DECRYPTION_FAILED` when the store holds secrets and none of its master keys is available,
 * rather than generating a new key over them. Cached per store until the key environment changes.
 * A process on a `tessera server` (the HTTP store) that has neither of these keys creates no key
 * file: the server generates and unwraps its data keys (see `ServerDataKeyCipher`), and values are
 * still sealed and opened here. `store` defaults to `getDefaultStore()`.
 */
export function getSecretCipher(store?: BlockStore): Promise<SecretCipher> {
  if (store === undefined) return getDefaultStore().then((opened) => getSecretCipher(opened));
  const server = serverCipherOf(store);
  return server ? Promise.resolve(server) : getStoreCipher(store);
}

let serverCiphers = new WeakMap<
  BlockStore,
  { signature: string; cipher: ServerDataKeyCipher | undefined }
>();

/**
 * For a store served by `tessera server` in a process that holds no master key (neither
 * `TESSERA_ENCRYPTION_KEY` nor a key file): the cipher that has the server generate and unwrap
 * data keys. `undefined` when the process holds keys of its own, which it then uses as over any
 * other store.
 */
function serverCipherOf(store: BlockStore): ServerDataKeyCipher | undefined {
  if (!isDataKeyService(store)) return undefined;
  const signature = environmentSignature();
  const cached = serverCiphers.get(store);
  if (cached && cached.signature === signature) return cached.cipher;
  const holdsKeys = readEnvironmentKeys() !== undefined || readKeyFile() !== undefined;
  const cipher = holdsKeys ? undefined : new ServerDataKeyCipher(store);
  serverCiphers.set(store, { signature, cipher });
  return cipher;
}

/** `getSecretCipher`, with the store-bound cipher's own methods (`refresh`, `ring`). */
export function getStoreCipher(store: BlockStore): Promise<StoreCipher> {
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
  if (store === undefined) {
    ciphers = new WeakMap();
    serverCiphers = new WeakMap();
  } else {
    ciphers.delete(store);
    serverCiphers.delete(store);
  }
}

export type { StoreCipher };
