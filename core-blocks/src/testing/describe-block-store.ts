import type { BlockStore } from "../store/index.js";
import { describeBlockTypes } from "./block-store/block-types.js";
import { describeCompareAndSwap } from "./block-store/compare-and-swap.js";
import { describeDataKeys } from "./block-store/data-keys.js";
import { describeDocuments } from "./block-store/documents.js";
import type { BlockStoreSuite } from "./block-store/helpers.js";
import { describeLimits } from "./block-store/limits.js";
import { describeListing } from "./block-store/listing.js";
import { describeMasterKeys } from "./block-store/master-keys.js";
import { describeMetadata } from "./block-store/metadata.js";
import { describeReferences } from "./block-store/references.js";
import { describeRename } from "./block-store/rename.js";
import { describeRevisions } from "./block-store/revisions.js";
import { describeValues } from "./block-store/values.js";
import { describeWatch } from "./block-store/watch.js";
import type { ConformanceTestApi } from "./conformance-test-api.js";

/** What a `describeBlockStore` factory returns: a fresh, empty store and how to remove it. */
export interface BlockStoreFixture {
  /** An empty store, used by one test. */
  store: BlockStore;
  /**
   * Closes the store and removes what it left behind (files, tables).
   * @default store.close()
   */
  cleanup?: () => Promise<void>;
}

/**
 * The conformance suite every `BlockStore` backend passes unchanged. Registers one `describe`
 * block; every test gets a fresh store from `factory` and cleans it up afterwards.
 *
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from "vitest";
 * import { describeBlockStore } from "@tessera/core/testing";
 * describeBlockStore({ describe, it, expect, beforeEach, afterEach }, async () => ({
 *   store: await openMyStore(),
 * }));
 * ```
 */
export function describeBlockStore(
  api: ConformanceTestApi,
  factory: () => Promise<BlockStoreFixture>,
  options: {
    /**
     * Name of the `describe` block.
     * @default "BlockStore conformance"
     */
    name?: string;
    /**
     * Also run the tests of the optional `watch` capability (a feed of committed changes); for
     * backends that implement `BlockStore.watch`.
     * @default false
     */
    watch?: boolean;
    /**
     * The actor this store records for every write, whatever the write gives: for a client of a
     * server that records who wrote (the HTTP store records `token:<the token's name>`). The
     * revision tests then expect this actor where a write gave its own or none.
     * @default undefined (the store records the actor each write gives)
     */
    actorAssignedByServer?: string;
  } = {},
): void {
  const { describe, beforeEach, afterEach } = api;
  let fixture: BlockStoreFixture | undefined;
  const store = (): BlockStore => {
    if (!fixture) throw new Error("The store fixture is only available inside a test.");
    return fixture.store;
  };

  const suite: BlockStoreSuite = { api, store };
  if (options.actorAssignedByServer !== undefined) {
    suite.actorAssignedByServer = options.actorAssignedByServer;
  }

  describe(options.name ?? "BlockStore conformance", () => {
    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      if (current) await (current.cleanup ? current.cleanup() : current.store.close());
    });

    describeDocuments(suite);
    describeListing(suite);
    describeRevisions(suite);
    describeCompareAndSwap(suite);
    describeRename(suite);
    describeReferences(suite);
    describeLimits(suite);
    describeBlockTypes(suite);
    describeDataKeys(suite);
    describeMasterKeys(suite);
    describeMetadata(suite);
    describeValues(suite);
    if (options.watch) describeWatch(suite);
  });
}
