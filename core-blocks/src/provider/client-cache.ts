import { fingerprint } from "./fingerprint.js";

/** Options of `ClientCache`. */
export interface ClientCacheOptions {
  /**
   * Clients kept per client class; the least recently used one is dropped beyond it (not
   * destroyed: a caller may still hold it).
   * @default 32
   */
  maxEntries?: number;
}

/**
 * SDK clients made from blocks, cached per client class and per configuration: the key is the
 * block's `fingerprint`, so two blocks share a client exactly when every field of their schemas
 * is equal (secrets compared by keyed hash, never held in clear), and a field added to a schema
 * can never be left out of the key. Each class keeps at most `maxEntries` clients, least recently
 * used dropped first. A client whose creation fails is not kept.
 *
 * ```ts
 * const clients = new ClientCache();
 * const s3 = await clients.get(credentials, S3Client, async () => new S3Client(await credentials.clientConfiguration()));
 * ```
 */
export class ClientCache {
  readonly #maxEntries: number;
  readonly #byClass = new WeakMap<object, Map<string, Promise<unknown>>>();

  constructor(options: ClientCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 32);
  }

  /** The client of `clientClass` for `block`'s configuration, made with `create` on a miss. */
  async get<Client>(
    block: object,
    clientClass: object,
    create: () => Promise<Client> | Client,
  ): Promise<Client> {
    let clients = this.#byClass.get(clientClass);
    if (!clients) {
      clients = new Map();
      this.#byClass.set(clientClass, clients);
    }
    const key = await fingerprint(block);
    const cached = clients.get(key) as Promise<Client> | undefined;
    if (cached) {
      // Most recently used last: a Map iterates in insertion order.
      clients.delete(key);
      clients.set(key, cached);
      return cached;
    }
    const client = Promise.resolve().then(create);
    clients.set(key, client);
    const owner = clients;
    client.catch(() => {
      if (owner.get(key) === client) owner.delete(key);
    });
    while (clients.size > this.#maxEntries) {
      const oldest = clients.keys().next().value as string;
      clients.delete(oldest);
    }
    return client;
  }

  /** How many clients of a class are cached. */
  size(clientClass: object): number {
    return this.#byClass.get(clientClass)?.size ?? 0;
  }
}
