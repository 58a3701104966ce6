import { type BlockStoreSuite, brief, document, rejection, take } from "./helpers.js";

/** BlockStore conformance: the `watch` capability (a feed of committed changes). */
export function describeWatch(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("watch", () => {
    it("yields each committed save, rollback, rename and delete in order, with slug, revision and operation", async () => {
      const watch = await store().watch!();
      try {
        const created = await store().put(document("bucket", "watched"));
        await store().put(document("bucket", "watched", { overwrite: true, data: { v: 2 } }));
        await store().rollback({ type: "bucket", name: "watched" }, 1);
        await store().rename({ type: "bucket", name: "watched" }, "moved");
        await store().delete({ type: "bucket", name: "moved" });
        const changes = await take(watch, 5);
        expect(changes.map(brief)).toEqual([
          "save bucket/watched@1",
          "save bucket/watched@2",
          "rollback bucket/watched@3",
          "rename bucket/moved@4",
          "delete bucket/moved@4",
        ]);
        expect(changes.every((change) => change.id === created.id)).toBe(true);
      } finally {
        await watch.close();
      }
    });

    it("yields only the documents and types asked for", async () => {
      const bySlug = await store().watch!({ slugs: ["bucket/one"] });
      const byType = await store().watch!({ types: ["queue"] });
      try {
        await store().put(document("bucket", "two"));
        await store().put(document("queue", "jobs"));
        await store().put(document("bucket", "one"));
        expect((await take(bySlug, 1)).map(brief)).toEqual(["save bucket/one@1"]);
        expect((await take(byType, 1)).map(brief)).toEqual(["save queue/jobs@1"]);
      } finally {
        await bySlug.close();
        await byType.close();
      }
    });

    it("yields nothing for a refused write, and ends its iteration when closed", async () => {
      await store().put(document("bucket", "guarded"));
      const watch = await store().watch!();
      await rejection(store().put(document("bucket", "guarded", { expectedRevision: 7 })));
      await store().put(document("bucket", "after", {}));
      expect((await take(watch, 1)).map(brief)).toEqual(["save bucket/after@1"]);
      const ended = watch[Symbol.asyncIterator]().next();
      await watch.close();
      expect((await ended).done).toBe(true);
    });
  });
}
