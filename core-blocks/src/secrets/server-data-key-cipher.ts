import { DecryptionFailedError, ForbiddenError, InvalidInputError } from "../errors/index.js";
import type { JsonValue } from "../schema/json.js";
import type { WrappedDataKey } from "../store/block-store.js";
import { openWithDataKey, type PlainDataKey, sealWithDataKey } from "./aes-gcm-cipher.js";
import type { SealContext, SealedSecret, SecretCipher } from "./secret-cipher.js";

/** A data key in clear as a server sends it: its id (hex) and its 32 bytes (base64). */
export interface DataKeyInClear {
  dataKeyId: string;
  plaintext: string;
}

/**
 * A store whose server generates and unwraps data keys (the HTTP store), like a key management
 * service's GenerateDataKey and Decrypt, so its clients need no master key.
 */
export interface DataKeyService {
  /** A new data key: wrapped under the server's current master key, and in clear. */
  generateDataKey(): Promise<DataKeyInClear & { dataKey: WrappedDataKey }>;
  /**
   * The data key of document `documentId` in clear, given its wrapped form as loaded, or without
   * it when the server sent the document without its data key.
   */
  decryptDataKey(documentId: string, dataKey?: WrappedDataKey): Promise<DataKeyInClear>;
}

/** True for a store that offers `DataKeyService`. */
export function isDataKeyService(store: object): store is DataKeyService {
  const candidate = store as Partial<DataKeyService>;
  return (
    typeof candidate.generateDataKey === "function" &&
    typeof candidate.decryptDataKey === "function"
  );
}

const MAX_CACHED_KEYS = 10_000;

/** The `subject` of the `INVALID_INPUT` a server answers for a document that has no data key. */
export const NO_DATA_KEY_SUBJECT = "document data key";

function plainDataKey(clear: DataKeyInClear): PlainDataKey {
  const id = Buffer.from(clear.dataKeyId, "hex");
  const key = Buffer.from(clear.plaintext, "base64");
  if (id.length !== 8 || key.length !== 32) {
    throw new InvalidInputError({
      subject: "data key",
      message:
        "The server answered a data key of the wrong size. Check that TESSERA_API_URL points at a tessera server of a matching version.",
    });
  }
  return { id, idHex: clear.dataKeyId.toLowerCase(), key };
}

/**
 * The cipher of a process that holds no master key and talks to a `tessera server`: the server
 * wraps and unwraps data keys (a `write` token may generate one for a new document; unwrapping a
 * stored document's key needs a `reveal` token), and values are sealed and opened here with the
 * same AES-GCM format as everywhere else. Keys in clear are kept in memory for the process's life,
 * as the local cipher keeps the data keys it unwrapped.
 */
export class ServerDataKeyCipher implements SecretCipher {
  readonly #service: DataKeyService;
  readonly #keys = new Map<string, Promise<PlainDataKey>>();
  #currentMasterKeyId = "";

  constructor(service: DataKeyService) {
    this.#service = service;
  }

  /** Id of the master key the server wrapped the last generated data key with (empty before). */
  get currentMasterKeyId(): string {
    return this.#currentMasterKeyId;
  }

  async createDataKey(): Promise<WrappedDataKey> {
    const generated = await this.#service.generateDataKey();
    this.#currentMasterKeyId = generated.dataKey.masterKeyId;
    this.#remember(generated.dataKey.wrapped, Promise.resolve(plainDataKey(generated)));
    return generated.dataKey;
  }

  async seal(context: SealContext, plaintext: JsonValue): Promise<SealedSecret> {
    return sealWithDataKey(
      await this.#dataKey(context.documentId, context.dataKey),
      context,
      plaintext,
    );
  }

  async open(context: SealContext, sealed: SealedSecret): Promise<JsonValue> {
    return openWithDataKey(
      await this.#dataKey(context.documentId, context.dataKey),
      context,
      sealed,
    );
  }

  /**
   * Whether document `documentId`, sent without its wrapped data key, has one: asks the server
   * for it (a token that may not reveal secrets is refused with `FORBIDDEN`) and keeps it for
   * `sealWithoutDataKey`. False when the document holds no data key yet.
   */
  async hasDocumentDataKey(documentId: string): Promise<boolean> {
    try {
      await this.#dataKey(documentId, undefined);
      return true;
    } catch (error) {
      if (InvalidInputError.isInstance(error) && error.subject === NO_DATA_KEY_SUBJECT)
        return false;
      throw error;
    }
  }

  /** Seals a value with the data key of a document the server sent without its wrapped key. */
  async sealWithoutDataKey(
    context: Omit<SealContext, "dataKey">,
    plaintext: JsonValue,
  ): Promise<SealedSecret> {
    return sealWithDataKey(await this.#dataKey(context.documentId, undefined), context, plaintext);
  }

  /**
   * Opens a value of a document the server sent without its wrapped data key (it does so for
   * tokens that may not see wrapped keys): the server is asked for the document's key by id, and
   * answers only a token that may reveal secrets.
   */
  async openWithoutDataKey(
    context: Omit<SealContext, "dataKey">,
    sealed: SealedSecret,
  ): Promise<JsonValue> {
    const cacheKey = `document:${context.documentId}`;
    const cached = this.#keys.get(cacheKey);
    if (cached) {
      try {
        return openWithDataKey(await cached, context, sealed);
      } catch (error) {
        // The document may hold a new data key since: ask again, once.
        if (!DecryptionFailedError.isInstance(error)) throw error;
        this.#keys.delete(cacheKey);
      }
    }
    return openWithDataKey(await this.#dataKey(context.documentId, undefined), context, sealed);
  }

  async rewrap(): Promise<WrappedDataKey> {
    throw new InvalidInputError({
      subject: "key rotation",
      message:
        "This process holds no master key (its server unwraps data keys for it), so it cannot re-wrap them. Rotate keys where the master key is, on the server's machine: tessera key rotate.",
    });
  }

  #remember(cacheKey: string, key: Promise<PlainDataKey>): void {
    if (this.#keys.size >= MAX_CACHED_KEYS) this.#keys.clear();
    this.#keys.set(cacheKey, key);
  }

  /** A document's data key in clear: asked of the server once, then kept. */
  #dataKey(documentId: string, dataKey: WrappedDataKey | undefined): Promise<PlainDataKey> {
    const cacheKey = dataKey ? dataKey.wrapped : `document:${documentId}`;
    const cached = this.#keys.get(cacheKey);
    if (cached) return cached;
    const key = this.#service.decryptDataKey(documentId, dataKey).then(plainDataKey, (error) => {
      if (!ForbiddenError.isInstance(error)) throw error;
      throw new ForbiddenError({
        scope: error.scope,
        allowed: error.allowed,
        advice:
          "Without a master key here, revealing or changing a stored block's secrets needs an API token (TESSERA_API_KEY) with the reveal scope (tessera token create --scope reveal). A write token can create blocks with secrets, and change a stored block's secrets through PUT /v1/blocks/<type>/<name>.",
        cause: error,
      });
    });
    this.#remember(cacheKey, key);
    // A refusal is not kept: the next use asks again (a token or key fixed meanwhile).
    key.catch(() => {
      if (this.#keys.get(cacheKey) === key) this.#keys.delete(cacheKey);
    });
    return key;
  }
}

/** True for the cipher of a process whose data keys a server unwraps (see `ServerDataKeyCipher`). */
export function isServerKeyedCipher(cipher: SecretCipher): cipher is ServerDataKeyCipher {
  return cipher instanceof ServerDataKeyCipher;
}
