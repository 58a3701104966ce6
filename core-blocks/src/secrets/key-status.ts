import { type BlockStore, getDefaultStore } from "../store/index.js";
import { knownMasterKeyIds, NO_MASTER_KEY_ID } from "./default-cipher.js";
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
  /** True for the newest key, which wraps new data keys. */
  current: boolean;
  /** False for a key that documents in the store need but this process does not have. */
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
  /** Id of the current key; `undefined` when no key is configured yet. */
  currentKeyId: string | undefined;
  /** The keys of the ring (newest first), then the unavailable ones the store needs. */
  keys: MasterKeyStatus[];
  /** Documents whose data key is not wrapped by the current key (what `rotateKeys` would re-wrap). */
  documentsToRotate: number;
}

/**
 * The master keys of this process and the store: their ids and source, which is current, how
 * many documents each wraps, and which ones the store needs but this process lacks. Reads only:
 * it never creates a key file. `store` defaults to `getDefaultStore()`.
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
  const keys: MasterKeyStatus[] = ringIds.map((id, index) => ({
    id,
    current: index === 0,
    available: true,
    documents: counts.get(id) ?? 0,
  }));
  const missing = new Set([...counts.keys(), ...(await knownMasterKeyIds(store))]);
  for (const id of missing) {
    if (ringIds.includes(id) || !counts.has(id)) continue;
    keys.push({ id, current: false, available: false, documents: counts.get(id) ?? 0 });
  }
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  return {
    source: ring?.source,
    keyFilePath: keyFilePath(),
    currentKeyId: ringIds[0],
    keys,
    documentsToRotate: total - (ringIds[0] === undefined ? 0 : (counts.get(ringIds[0]) ?? 0)),
  };
}
