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
 * the block is deleted or the watch is closed. Needs a store with the `watch` capability.
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
      message: `The ${store.kind} store at ${store.location} cannot watch for changes. Use a store with the watch capability (PostgreSQL, or the memory store in tests), or load the block again when you need it.`,
    });
  }
  const changes = await store.watch({ slugs: [formatSlug(type, name)] });
  async function* blocks(): AsyncGenerator<object> {
    try {
      for await (const change of changes) {
        if (change.operation === "delete") return;
        try {
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
