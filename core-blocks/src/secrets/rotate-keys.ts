import { randomBytes } from "node:crypto";
import {
  DecryptionFailedError,
  KeyFileChangedError,
  KeySourceReadOnlyError,
  MasterKeyNotCurrentError,
} from "../errors/index.js";
import { logDebug } from "../log/index.js";
import { type BlockStore, getDefaultStore } from "../store/index.js";
import { masterKeyId } from "./aes-gcm-cipher.js";
import { getStoreCipher, loadMasterKeyRing } from "./default-cipher.js";
import {
  backUpRetiredKeys,
  readEnvironmentKeys,
  readKeyFile,
  retiredKeyFilePath,
  withKeyFileLock,
  writeKeyFile,
} from "./master-key-ring.js";

/** Settings of `rotateKeys`. */
export interface RotateKeysOptions {
  /** The store whose documents to re-wrap. @default getDefaultStore() */
  store?: BlockStore;
  /**
   * First add a new random key at the top of the key file, making it the current key. Only with
   * the key file: with `TESSERA_ENCRYPTION_KEY`, put the new key first in the variable instead.
   * The key file is changed under its lock and merged: keys another run added meanwhile are kept.
   * @default false
   */
  newKey?: boolean;
  /**
   * After a complete rotation, remove from the key file every key the store has used that is not
   * current and no longer wraps any document. Only with the key file. Retired keys are first
   * appended to the backup file `master.key.retired` beside it (mode 0600), for backups of the
   * store that still need them.
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
  /** Master keys removed from the key file (`retireOldKeys`), kept in `master.key.retired`. */
  retired: string[];
}

/**
 * Re-wraps every document's data key under the store's current master key. Secret values stay as
 * they are (they are sealed with the data key, which does not change), so it is quick and a crash
 * at any point loses nothing: each data key is swapped with compare-and-swap, and every document
 * decrypts with the old or the new key all along. Idempotent and resumable: run it again to finish
 * an interrupted rotation. When another run makes a newer key current meanwhile, this run follows
 * it (the store refuses data keys under a key that is no longer current).
 */
export async function rotateKeys(options: RotateKeysOptions = {}): Promise<RotateKeysResult> {
  const store = options.store ?? (await getDefaultStore());
  const pageSize = options.pageSize ?? 100;
  const fileRing =
    readEnvironmentKeys() === undefined
      ? (readKeyFile() ?? (await loadMasterKeyRing(store)))
      : undefined;
  if ((options.newKey || options.retireOldKeys) && fileRing === undefined) {
    throw new KeySourceReadOnlyError({
      operation: options.newKey ? "add a new key" : "retire old keys",
    });
  }
  const path = fileRing?.source.kind === "key-file" ? fileRing.source.path : undefined;
  const cipher = await getStoreCipher(store);
  /** Makes the key source's newest key the store's current key (a rotation's target). */
  const target = async (): Promise<void> => {
    // Reads the source again and checks it against the store (a wrong key is refused here).
    await cipher.refresh();
    const newest = cipher.ring.keys[0]!.id;
    if (newest !== cipher.currentMasterKeyId) {
      await store.setCurrentMasterKey(newest);
      await cipher.refresh();
    }
  };
  if (path === undefined) {
    await target();
  } else {
    // Under the key file's lock: read, add the new key, write, read back, and make the file's
    // newest key current, so concurrent runs are serialised and none loses another's key.
    await withKeyFileLock(path, async () => {
      if (options.newKey) {
        const key = { id: "", key: randomBytes(32) };
        key.id = masterKeyId(key.key);
        writeKeyFile(path, [key, ...(readKeyFile(path)?.keys ?? [])]);
        if (!readKeyFile(path)?.keys.some((candidate) => candidate.id === key.id)) {
          throw new KeyFileChangedError({ path, what: "lost the new key just written to it" });
        }
        logDebug("secrets", "added a new master key to the key file", { masterKeyId: key.id });
      }
      await target();
    });
  }
  const result: RotateKeysResult = {
    masterKeyId: cipher.currentMasterKeyId,
    rewrapped: 0,
    skipped: 0,
    unavailable: [],
    retired: [],
  };
  let afterId: string | undefined;
  for (;;) {
    const current = cipher.currentMasterKeyId;
    const page = await store.listDataKeys({
      notMasterKeyId: current,
      limit: pageSize,
      ...(afterId === undefined ? {} : { afterId }),
    });
    let followed = false;
    for (const { id, dataKey } of page) {
      let next: Awaited<ReturnType<typeof cipher.rewrap>>;
      try {
        next = await cipher.rewrap(dataKey);
      } catch (error) {
        if (!DecryptionFailedError.isInstance(error)) throw error;
        result.unavailable.push({ documentId: id, masterKeyId: dataKey.masterKeyId });
        continue;
      }
      try {
        if (await store.replaceDataKey(id, dataKey, next)) result.rewrapped += 1;
        else result.skipped += 1;
      } catch (error) {
        if (!MasterKeyNotCurrentError.isInstance(error)) throw error;
        // Another run made a newer key current: follow it, and start over under that key.
        await cipher.refresh();
        logDebug("secrets", "followed a newer current master key", {
          masterKeyId: cipher.currentMasterKeyId,
        });
        followed = true;
        break;
      }
    }
    result.masterKeyId = cipher.currentMasterKeyId;
    logDebug("secrets", "rotated a page of data keys", {
      masterKeyId: result.masterKeyId,
      rewrapped: result.rewrapped,
      skipped: result.skipped,
      unavailable: result.unavailable.length,
    });
    options.onProgress?.({ ...result, unavailable: [...result.unavailable] });
    if (followed) {
      afterId = undefined;
      result.unavailable = [];
      continue;
    }
    if (page.length < pageSize) {
      // A newer key may have become current after the last page was read.
      const records = await store.listMasterKeys();
      if (records.find((record) => record.current)?.id === current) break;
      await cipher.refresh();
      afterId = undefined;
      result.unavailable = [];
      continue;
    }
    afterId = page[page.length - 1]!.id;
  }
  if (options.retireOldKeys && path !== undefined) {
    result.retired = await retireOldKeys(store, path);
    if (result.retired.length > 0) await cipher.refresh();
  }
  return result;
}

/**
 * Under the key file's lock: removes every key the store has used that is not its current key
 * when no document's data key is wrapped by anything but the current key. Keys the store has never
 * seen (added by someone meanwhile) stay. The retired keys are appended to the backup file first.
 * A write wrapped by an older key after this check is impossible: the store refuses it.
 */
async function retireOldKeys(store: BlockStore, path: string): Promise<string[]> {
  return withKeyFileLock(path, async () => {
    const latest = readKeyFile(path);
    const records = await store.listMasterKeys();
    const current = records.find((record) => record.current)?.id;
    if (!latest || current === undefined || !latest.keys.some((key) => key.id === current)) {
      return [];
    }
    const [left] = await store.listDataKeys({ notMasterKeyId: current, limit: 1 });
    if (left !== undefined) return [];
    const known = new Set(records.map((record) => record.id));
    const retired = latest.keys.filter((key) => key.id !== current && known.has(key.id));
    if (retired.length === 0) return [];
    backUpRetiredKeys(path, retired);
    writeKeyFile(
      path,
      latest.keys.filter((key) => !retired.includes(key)),
    );
    logDebug("secrets", "retired old master keys", {
      retired: retired.map((key) => key.id),
      backup: retiredKeyFilePath(path),
    });
    return retired.map((key) => key.id);
  });
}
