import { InvalidInputError } from "../errors/index.js";
import type { BlockStore, StoredDocument, WrappedDataKey } from "../store/index.js";
import type { PlainDataKey } from "./aes-gcm-cipher.js";
import { getStoreCipher } from "./default-cipher.js";
import { type DataKeyInClear, NO_DATA_KEY_SUBJECT } from "./server-data-key-cipher.js";

function inClear(key: PlainDataKey): DataKeyInClear {
  return { dataKeyId: key.idHex, plaintext: key.key.toString("base64") };
}

/**
 * A new data key wrapped under `store`'s current master key (this process's key source), with
 * the key in clear: what a server gives a client that holds no master key, to seal a new
 * document's secrets (like a key management service's GenerateDataKey).
 */
export async function generateDataKeyInClear(
  store: BlockStore,
): Promise<DataKeyInClear & { dataKey: WrappedDataKey }> {
  const cipher = await getStoreCipher(store);
  const dataKey = await cipher.createDataKey();
  return { dataKey, ...inClear(await cipher.unwrapDataKey(dataKey)) };
}

/**
 * The data key of `document` in clear, for a client that holds no master key and sent `given`,
 * the wrapped key it read with the document (like a key management service's Decrypt), or none
 * when it was sent the document without one. Only that document's key is ever answered: a wrapped
 * key that is not the document's (even after a rotation re-wrapped it) is refused with
 * `INVALID_INPUT`.
 */
export async function decryptDocumentDataKey(
  store: BlockStore,
  document: StoredDocument,
  given: WrappedDataKey | undefined,
): Promise<DataKeyInClear> {
  if (!document.dataKey) {
    throw new InvalidInputError({
      subject: NO_DATA_KEY_SUBJECT,
      message: `Document ${document.id} has no data key (it holds no sealed secrets). Load it again.`,
    });
  }
  const cipher = await getStoreCipher(store);
  const stored = await cipher.unwrapDataKey(document.dataKey, document.id);
  if (given !== undefined && given.wrapped !== document.dataKey.wrapped) {
    const other = await cipher.unwrapDataKey(given).catch(() => undefined);
    if (!other?.id.equals(stored.id)) {
      throw new InvalidInputError({
        subject: "dataKey",
        message: `The wrapped data key given is not the data key of document ${document.id}. Load the document again and send the dataKey it carries.`,
      });
    }
  }
  return inClear(stored);
}
