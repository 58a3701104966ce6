import { randomBytes } from "node:crypto";
import { DecryptionFailedError, KeySourceReadOnlyError } from "../errors/index.js";
import { logDebug } from "../log/index.js";
import { type BlockStore, getDefaultStore } from "../store/index.js";
import { masterKeyId } from "./aes-gcm-cipher.js";
import {
  forgetSecretCipher,
  getSecretCipher,
  loadMasterKeyRing,
  recordMasterKeyIds,
} from "./default-cipher.js";
import { readEnvironmentKeys, readKeyFile, writeKeyFile } from "./master-key-ring.js";

/** Settings of `rotateKeys`. */
export interface RotateKeysOptions {
  /** The store whose documents to re-wrap. @default getDefaultStore() */
  store?: BlockStore;
  /**
   * First add a new random key at the top of the key file, making it the current key. Only with
   * the key file: with `TESSERA_ENCRYPTION_KEY`, put the new key first in the variable instead.
   * @default false
   */
  newKey?: boolean;
  /**
   * After a complete rotation, remove from the key file every key that no longer wraps any
   * document. Only with the key file. Keep a backup of old keys if backups of the store hold
   * documents encrypted under them.
   * @default false
   */
  retireOldKeys?: boolean;
  /** Documents re-wrapped per page. @default 100 */
  pageSize?: number;
  /** Called after each page with the running totals. @default undefined */
  onProgress?: (progress: RotateKeysResult) => void;
}

/** What `rotateKeys` did. */
export interface RotateKeysResult {
  /** The key every data key is now wrapped by. */
  masterKeyId: string;
  /** Data keys re-wrapped by this run. */
  rewrapped: number;
  /** Data keys changed by someone else while this run worked on them (a re-run picks them up). */
  skipped: number;
  /** Documents whose data key is wrapped by a master key this process lacks. */
  unavailable: Array<{ documentId: string; masterKeyId: string }>;
  /** Master keys removed from the key file (`retireOldKeys`). */
  retired: string[];
}

/**
 * Re-wraps every document's data key under the newest master key. Secret values stay as they are
 * (they are sealed with the data key, which does not change), so it is quick and a crash at any
 * point loses nothing: each data key is swapped with compare-and-swap, and every document decrypts
 * with the old or the new key all along. Idempotent and resumable: run it again to finish an
 * interrupted rotation.
 */
export async function rotateKeys(options: RotateKeysOptions = {}): Promise<RotateKeysResult> {
  const store = options.store ?? (await getDefaultStore());
  const pageSize = options.pageSize ?? 100;
  const fileRing =
    readEnvironmentKeys() === undefined
      ? (readKeyFile() ?? (await loadMasterKeyRing(store)))
      : undefined;
  if ((options.newKey || options.retireOldKeys) && fileRing === undefined) {
    throw new KeySourceReadOnlyError(options.newKey ? "add a new key" : "retire old keys");
  }
  if (options.newKey && fileRing) {
    const key = randomBytes(32);
    writeKeyFile(fileRing.source.kind === "key-file" ? fileRing.source.path : "", [
      { id: masterKeyId(key), key },
      ...fileRing.keys,
    ]);
    forgetSecretCipher(store);
    logDebug("secrets", "added a new master key to the key file", {
      masterKeyId: masterKeyId(key),
    });
  }
  const cipher = await getSecretCipher(store);
  const current = cipher.currentMasterKeyId;
  await recordMasterKeyIds(store, [current]);
  const result: RotateKeysResult = {
    masterKeyId: current,
    rewrapped: 0,
    skipped: 0,
    unavailable: [],
    retired: [],
  };
  let afterId: string | undefined;
  for (;;) {
    const page = await store.listDataKeys({
      notMasterKeyId: current,
      limit: pageSize,
      ...(afterId === undefined ? {} : { afterId }),
    });
    for (const { id, dataKey } of page) {
      let next: Awaited<ReturnType<typeof cipher.rewrap>>;
      try {
        next = await cipher.rewrap(dataKey);
      } catch (error) {
        if (!DecryptionFailedError.isInstance(error)) throw error;
        result.unavailable.push({ documentId: id, masterKeyId: dataKey.masterKeyId });
        continue;
      }
      if (await store.replaceDataKey(id, dataKey, next)) result.rewrapped += 1;
      else result.skipped += 1;
    }
    logDebug("secrets", "rotated a page of data keys", {
      masterKeyId: current,
      rewrapped: result.rewrapped,
      skipped: result.skipped,
      unavailable: result.unavailable.length,
    });
    options.onProgress?.({ ...result, unavailable: [...result.unavailable] });
    if (page.length < pageSize) break;
    afterId = page[page.length - 1]!.id;
  }
  if (options.retireOldKeys && fileRing?.source.kind === "key-file") {
    const [left] = await store.listDataKeys({ notMasterKeyId: current, limit: 1 });
    const latest = readKeyFile(fileRing.source.path);
    // Only when the file's newest key is still the one rotated to (no one added a key meanwhile).
    if (left === undefined && latest && latest.keys.length > 1 && latest.keys[0]!.id === current) {
      writeKeyFile(fileRing.source.path, latest.keys.slice(0, 1));
      result.retired = latest.keys.slice(1).map((key) => key.id);
      forgetSecretCipher(store);
      logDebug("secrets", "retired old master keys", { retired: result.retired });
    }
  }
  return result;
}
