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

    it("writes a metadata value only when it is still the expected one, and says whether it wrote", async () => {
      expect(await store().setMeta("index", "a", { expected: null })).toBe(true);
      expect(await store().setMeta("index", "b", { expected: null })).toBe(false);
      expect(await store().setMeta("index", "a,b", { expected: "stale" })).toBe(false);
      expect(await store().getMeta("index")).toBe("a");
      expect(await store().setMeta("index", "a,b", { expected: "a" })).toBe(true);
      expect(await store().setMeta("empty", "x", { expected: "" })).toBe(false);
      expect(await store().getMeta("empty")).toBe(undefined);
      expect(await store().setMeta("index", "reset")).toBe(true);
      expect(await store().getMeta("index")).toBe("reset");
    });

    it("lets exactly one of several concurrent compare-and-swaps from the same value win", async () => {
      await store().setMeta("counter", "0");
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, writer) =>
          store().setMeta("counter", `written by ${writer}`, { expected: "0" }),
        ),
      );
      expect(outcomes.filter(Boolean).length).toBe(1);
      const winner = outcomes.indexOf(true);
      expect(await store().getMeta("counter")).toBe(`written by ${winner}`);
    });
  });
}
