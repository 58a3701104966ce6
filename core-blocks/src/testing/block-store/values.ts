import type { JsonObject } from "../../schema/index.js";
import { type BlockStoreSuite, document } from "./helpers.js";

/** BlockStore conformance: values. */
export function describeValues(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("values", () => {
    it("round-trips unicode, emoji, control characters and every JSON type exactly", async () => {
      const data: JsonObject = {
        polish: "Zażółć gęślą jaźń",
        emoji: "😀 👩‍👩‍👧 🏳️‍🌈",
        rtl: "שלום \u202e reversed",
        nul: "a\u0000b",
        loneSurrogates: "x\ud800y\udc00",
        newline: 'line\nbreak\ttab \\ "quoted"',
        zeroWidth: "a\u200bb",
        combining: "e\u0301",
        numbers: [0, 1, -1, 0.1, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
        flags: [true, false, null],
        empty: { string: "", array: [], object: {} },
        deep: { a: { b: { c: { d: ["e", { f: "g" }] } } } },
        "key with spaces / and 😀": "value",
      };
      const stored = await store().put(document("bucket", "unicode", { data }));
      expect(stored.data).toEqual(data);
      const loaded = await store().get({ type: "bucket", name: "unicode" });
      expect(loaded?.data).toEqual(data);
      expect(JSON.stringify(loaded?.data)).toBe(JSON.stringify(data));
    });

    it("stores __proto__ and constructor keys as plain data without polluting prototypes", async () => {
      const data = JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"safe":1}',
      ) as JsonObject;
      await store().put(document("bucket", "proto", { data }));
      const loaded = await store().get({ type: "bucket", name: "proto" });
      const probe: Record<string, unknown> = {};
      expect(probe.polluted).toBe(undefined);
      expect(Object.hasOwn(loaded?.data ?? {}, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(loaded?.data)).toBe(Object.prototype);
      expect(JSON.stringify(loaded?.data)).toBe(JSON.stringify(data));
    });

    it("does not let callers change stored documents through returned or passed objects", async () => {
      const input = document("bucket", "isolated", { data: { nested: { value: 1 } } });
      const stored = await store().put(input);
      (input.data.nested as JsonObject).value = 2;
      (stored.data.nested as JsonObject).value = 3;
      const loaded = await store().get({ type: "bucket", name: "isolated" });
      expect(loaded?.data).toEqual({ nested: { value: 1 } });
      (loaded!.data.nested as JsonObject).value = 4;
      expect((await store().get({ type: "bucket", name: "isolated" }))?.data).toEqual({
        nested: { value: 1 },
      });
    });
  });
}
