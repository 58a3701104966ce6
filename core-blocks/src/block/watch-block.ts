import { BlockNotFoundError, InvalidInputError } from "../errors/index.js";
import { getDefaultStore } from "../store/index.js";
import type { StoreOption } from "./block.js";
import type { BlockClassInternal } from "./block-internals.js";
import { checkCallOptions } from "./call-options.js";
import { loadBlockOfClass } from "./load-block.js";
import { assertSlugPart, formatSlug } from "./slug.js";

/** What `Block.watch` returns: the block as each committed change leaves it, until closed. */
export interface BlockWatch<T> extends AsyncIterable<T> {
  /** Stops watching; a `for await` over the watch ends. */
  close(): Promise<void>;
}

/**
 * Watches a saved block: resolves once listening, then yields the revision each committed save,
 * rollback or rename (to this name) wrote, by any process sharing the store; ends when
 * the block is deleted or the watch is closed. When the store's watch may have missed changes
 * (a `resync`), the newest revision is loaded and yielded if it is not the last one yielded. Needs a store with the `watch` capability.
 */
export async function watchBlock(
  BlockClass: BlockClassInternal,
  name: string,
  options: StoreOption = {},
): Promise<BlockWatch<object>> {
  assertSlugPart(name, "name");
  checkCallOptions("watch", options);
  const store = options.store ?? (await getDefaultStore());
  const type = (BlockClass as unknown as { type: string }).type;
  if (typeof store.watch !== "function") {
    throw new InvalidInputError({
      subject: "watch",
      message: `The ${store.kind} store at ${store.location} cannot watch for changes. Use a store with the watch capability (PostgreSQL, SQLite, or the memory store in tests), or load the block again when you need it.`,
    });
  }
  const changes = await store.watch({ slugs: [formatSlug(type, name)] });
  async function* blocks(): AsyncGenerator<object> {
    try {
      // The document and revision last yielded: a change at or before it was already yielded.
      let seen = { id: "", revision: 0 };
      for await (const change of changes) {
        if (change.operation === "delete") return;
        try {
          if (change.operation === "resync") {
            // Changes may have been missed: the newest revision answers for all of them.
            const newest = (await loadBlockOfClass(BlockClass, name, { store })) as {
              documentId?: string;
              revision?: number;
            };
            const latest = { id: newest.documentId ?? "", revision: newest.revision ?? 0 };
            if (latest.id === seen.id && latest.revision === seen.revision) continue;
            seen = latest;
            yield newest;
            continue;
          }
          if (change.id === seen.id && change.revision <= seen.revision) continue;
          seen = { id: change.id, revision: change.revision };
          yield await loadBlockOfClass(BlockClass, name, { store, revision: change.revision });
        } catch (error) {
          if (BlockNotFoundError.isInstance(error)) return;
          throw error;
        }
      }
    } finally {
      await changes.close();
    }
  }
  const iterator = blocks();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      await changes.close();
    },
  };
}
