import { formatSlug } from "../block/slug.js";
import type { StoreChange, StoreWatch, WatchOptions } from "./block-store.js";

/**
 * The `StoreWatch` a backend hands out: the backend pushes each committed change, the queue keeps
 * the ones the options select until they are read. `close()` (or leaving a `for await`) ends it and
 * runs `onClose` once; `fail(error)` ends it with that error for the reader.
 */
export class ChangeQueue implements StoreWatch {
  readonly #slugs: Set<string> | undefined;
  readonly #types: Set<string> | undefined;
  readonly #onClose: () => Promise<void>;
  readonly #items: StoreChange[] = [];
  readonly #waiting: Array<{
    resolve: (result: IteratorResult<StoreChange>) => void;
    reject: (error: unknown) => void;
  }> = [];
  #closed = false;
  #failure: unknown;

  constructor(options: WatchOptions, onClose: () => Promise<void>) {
    this.#slugs = options.slugs ? new Set(options.slugs) : undefined;
    this.#types = options.types ? new Set(options.types) : undefined;
    this.#onClose = onClose;
  }

  push(change: StoreChange): void {
    if (this.#closed) return;
    if (change.operation === "resync") {
      // Once is enough until the reader catches up: one reload answers them all.
      if (this.#items.at(-1)?.operation === "resync") return;
    } else {
      if (this.#types && !this.#types.has(change.type)) return;
      if (this.#slugs && !this.#slugs.has(formatSlug(change.type, change.name))) return;
    }
    const copy = { ...change };
    const reader = this.#waiting.shift();
    if (reader) reader.resolve({ value: copy, done: false });
    else this.#items.push(copy);
  }

  /** Ends the watch with `error`: queued changes are still read, then `next()` rejects. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#failure = error;
    this.#closed = true;
    for (const reader of this.#waiting.splice(0)) reader.reject(error);
    void this.#onClose().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const reader of this.#waiting.splice(0)) reader.resolve({ value: undefined, done: true });
    await this.#onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<StoreChange> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.#failure !== undefined) return Promise.reject(this.#failure);
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
