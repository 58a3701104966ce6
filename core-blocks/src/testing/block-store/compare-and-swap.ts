import { RevisionConflictError } from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: compare-and-swap. */
export function describeCompareAndSwap(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("compare-and-swap", () => {
    it("expectedRevision 0 creates only; over an existing document it is a conflict", async () => {
      const created = await store().put(document("bucket", "once", { expectedRevision: 0 }));
      expect(created.revision).toBe(1);
      const error = await rejection(
        store().put(document("bucket", "once", { expectedRevision: 0, data: { v: 2 } })),
      );
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      const conflict = error as RevisionConflictError;
      expect(conflict.slug).toBe("bucket/once");
      expect(conflict.expectedRevision).toBe(0);
      expect(conflict.actualRevision).toBe(1);
    });

    it("refuses a stale expectedRevision with both revisions, and changes nothing", async () => {
      await store().put(document("bucket", "shared"));
      await store().put(document("bucket", "shared", { expectedRevision: 1, data: { v: 2 } }));
      const error = await rejection(
        store().put(document("bucket", "shared", { expectedRevision: 1, data: { v: 3 } })),
      );
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      expect((error as RevisionConflictError).expectedRevision).toBe(1);
      expect((error as RevisionConflictError).actualRevision).toBe(2);
      expect(error.message.includes("bucket/shared")).toBe(true);
      const stored = await store().get({ type: "bucket", name: "shared" });
      expect(stored?.revision).toBe(2);
      expect(stored?.data).toEqual({ v: 2 });
    });

    it("treats an expectedRevision on a missing document as a conflict with revision 0", async () => {
      const error = await rejection(
        store().put(document("bucket", "new", { expectedRevision: 3 })),
      );
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      expect((error as RevisionConflictError).actualRevision).toBe(0);
      expect(await store().get({ type: "bucket", name: "new" })).toBe(undefined);
    });

    it("lets exactly one of two writers expecting the same revision win", async () => {
      await store().put(document("bucket", "race"));
      const outcomes = await Promise.allSettled([
        store().put(document("bucket", "race", { expectedRevision: 1, data: { writer: "a" } })),
        store().put(document("bucket", "race", { expectedRevision: 1, data: { writer: "b" } })),
      ]);
      const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
      const losers = outcomes.filter((outcome) => outcome.status === "rejected");
      expect(winners.length).toBe(1);
      expect(RevisionConflictError.isInstance(losers[0]?.reason)).toBe(true);
      const stored = await store().get({ type: "bucket", name: "race" });
      expect(stored?.revision).toBe(2);
      expect(stored?.data).toEqual(winners[0]?.value.data);

      const creates = await Promise.allSettled([
        store().put(document("bucket", "first", { expectedRevision: 0 })),
        store().put(document("bucket", "first", { expectedRevision: 0 })),
      ]);
      expect(creates.filter((outcome) => outcome.status === "fulfilled").length).toBe(1);
    });

    it("checks expectedRevision on rollback and rename too", async () => {
      const ref = { type: "bucket", name: "guarded" };
      await store().put(document("bucket", "guarded"));
      await store().put(document("bucket", "guarded", { overwrite: true }));
      const rollback = await rejection(store().rollback(ref, 1, { expectedRevision: 1 }));
      expect(RevisionConflictError.isInstance(rollback)).toBe(true);
      const rename = await rejection(store().rename(ref, "moved", { expectedRevision: 1 }));
      expect(RevisionConflictError.isInstance(rename)).toBe(true);
      expect((await store().rollback(ref, 1, { expectedRevision: 2 })).revision).toBe(3);
      expect((await store().rename(ref, "moved", { expectedRevision: 3 })).name).toBe("moved");
    });
  });
}
