import { DocumentTooLargeError } from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: limits. */
export function describeLimits(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("limits", () => {
    it("accepts a document exactly at the size limit and refuses one byte more", async () => {
      const limit = store().limits.maxDocumentBytes;
      const envelope = JSON.stringify({ blob: "" }).length;
      const atLimit = { blob: "x".repeat(limit - envelope) };
      const stored = await store().put(document("bucket", "big", { data: atLimit }));
      expect(stored.data).toEqual(atLimit);
      expect((await store().get({ type: "bucket", name: "big" }))?.data).toEqual(atLimit);

      const tooLarge = { blob: "x".repeat(limit - envelope + 1) };
      const error = await rejection(
        store().put(document("bucket", "big", { data: tooLarge, overwrite: true })),
      );
      expect(DocumentTooLargeError.isInstance(error)).toBe(true);
      expect((error as DocumentTooLargeError).size).toBe(limit + 1);
      expect((error as DocumentTooLargeError).limit).toBe(limit);
      expect(error.message.includes("bucket/big")).toBe(true);
      expect((await store().get({ type: "bucket", name: "big" }))?.revision).toBe(1);
    });

    it("measures the size in UTF-8 bytes, not characters", async () => {
      const limit = store().limits.maxDocumentBytes;
      const envelope = JSON.stringify({ blob: "" }).length;
      const emoji = "😀"; // 4 bytes in UTF-8, 2 UTF-16 code units
      const count = Math.floor((limit - envelope) / 4) + 1;
      const error = await rejection(
        store().put(document("bucket", "wide", { data: { blob: emoji.repeat(count) } })),
      );
      expect(DocumentTooLargeError.isInstance(error)).toBe(true);
    });
  });
}
