import type { BlockStoreSuite } from "./helpers.js";

/** BlockStore conformance: metadata. */
export function describeMetadata(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("metadata", () => {
    it("stores, replaces and reads small metadata values", async () => {
      expect(await store().getMeta("keys")).toBe(undefined);
      await store().setMeta("keys", "k1");
      await store().setMeta("keys", "k1,k2");
      await store().setMeta("other", "");
      expect(await store().getMeta("keys")).toBe("k1,k2");
      expect(await store().getMeta("other")).toBe("");
    });
  });
}
