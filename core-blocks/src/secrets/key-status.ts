import { type BlockStore, getDefaultStore } from "../store/index.js";
import { NO_MASTER_KEY_ID } from "./default-cipher.js";
import {
  keyFilePath,
  type MasterKeySource,
  readEnvironmentKeys,
  readKeyFile,
} from "./master-key-ring.js";

/** One master key as `keyStatus` reports it. Never the key itself. */
export interface MasterKeyStatus {
  /** The key id (a fingerprint, safe to print). */
  id: string;
  /** True for the key the store records as current, which wraps new data keys. */
  current: boolean;
  /**
   * False for a key the store needs (documents use it, or it is the store's current key) but this
   * process does not have.
   */
  available: boolean;
  /** How many documents' data keys this master key wraps. */
  documents: number;
}

/** What `keyStatus` reports, for `tessera key status`. */
export interface KeyStatus {
  /** Where the keys come from; `undefined` when no key is configured yet (none created). */
  source: MasterKeySource | undefined;
  /** Where the key file is (or would be created). */
  keyFilePath: string;
  /**
   * Id of the current key: the one the store records as current, else the ring's newest;
   * `undefined` when no key is configured yet.
   */
  currentKeyId: string | undefined;
  /** The keys of the ring (newest first), then the unavailable ones the store needs. */
  keys: MasterKeyStatus[];
  /**
   * Ids of keys the store used once that no document needs any more and this process does not
   * hold (retired keys; kept in `master.key.retired` when retired by rotation).
   */
  retiredKeyIds: string[];
  /** Documents whose data key is not wrapped by the key source's newest key (what `rotateKeys` would re-wrap). */
  documentsToRotate: number;
}

/**
 * The master keys of this process and the store: their ids and source, which is current, how
 * many documents each wraps, and which ones the store needs but this process lacks — including
 * its current key, recorded in the store, even before any document uses it. Reads only: it never
 * creates a key file. `store` defaults to `getDefaultStore()`.
 */
export async function keyStatus(options: { store?: BlockStore } = {}): Promise<KeyStatus> {
  const store = options.store ?? (await getDefaultStore());
  const ring = readEnvironmentKeys() ?? readKeyFile();
  const counts = new Map<string, number>();
  let afterId: string | undefined;
  for (;;) {
    const page = await store.listDataKeys({
      notMasterKeyId: NO_MASTER_KEY_ID,
      limit: 1000,
      ...(afterId === undefined ? {} : { afterId }),
    });
    for (const entry of page) {
      counts.set(entry.dataKey.masterKeyId, (counts.get(entry.dataKey.masterKeyId) ?? 0) + 1);
    }
    if (page.length < 1000) break;
    afterId = page[page.length - 1]!.id;
  }
  const ringIds = ring?.keys.map((key) => key.id) ?? [];
  const records = await store.listMasterKeys();
  const recorded = records.find((record) => record.current)?.id;
  const newest = ringIds[0];
  // A ring's newest key the store has never seen becomes current on first use (and is what
  // `rotateKeys` moves to); otherwise the store's record says which key is current.
  const currentId =
    newest !== undefined && !records.some((record) => record.id === newest)
      ? newest
      : (recorded ?? newest);
  const keys: MasterKeyStatus[] = ringIds.map((id) => ({
    id,
    current: id === currentId,
    available: true,
    documents: counts.get(id) ?? 0,
  }));
  const needed = new Set([...counts.keys(), ...(currentId === undefined ? [] : [currentId])]);
  for (const id of needed) {
    if (ringIds.includes(id)) continue;
    keys.push({ id, current: id === currentId, available: false, documents: counts.get(id) ?? 0 });
  }
  const retiredKeyIds = records
    .map((record) => record.id)
    .filter((id) => !ringIds.includes(id) && !needed.has(id));
  // What `rotateKeys` re-wraps: every document not under the key source's newest key.
  const target = newest ?? currentId;
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  return {
    source: ring?.source,
    keyFilePath: keyFilePath(),
    currentKeyId: currentId,
    keys,
    retiredKeyIds,
    documentsToRotate: total - (target === undefined ? 0 : (counts.get(target) ?? 0)),
  };
}
