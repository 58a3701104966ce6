import { BlockExistsError } from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: rename. */
export function describeRename(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("rename", () => {
    it("keeps the id and history, and documents that reference it keep resolving", async () => {
      const child = await store().put(document("aws-credentials", "old-name"));
      const parent = await store().put(
        document("bucket", "results", {
          data: { credentials: { $ref: child.id } },
          references: [child.id],
        }),
      );
      const renamed = await store().rename(
        { type: "aws-credentials", name: "old-name" },
        "new-name",
      );
      expect(renamed.id).toBe(child.id);
      expect(renamed.name).toBe("new-name");
      expect(renamed.revision).toBe(2);
      expect(renamed.data).toEqual(child.data);
      expect(await store().get({ type: "aws-credentials", name: "old-name" })).toBe(undefined);
      expect((await store().get({ type: "aws-credentials", name: "new-name" }))?.id).toBe(child.id);
      const history = await store().history({ id: child.id });
      expect(history.map((entry) => entry.operation)).toEqual(["rename", "save"]);

      const reloaded = await store().get({ id: parent.id });
      expect(reloaded?.references).toEqual([child.id]);
      const resolved = await store().getMany(reloaded?.references ?? []);
      expect(resolved.get(child.id)?.name).toBe("new-name");
      expect((await store().referrers(child.id)).map((item) => item.name)).toEqual(["results"]);
    });

    it("refuses to rename onto a taken name, naming the taken slug", async () => {
      await store().put(document("bucket", "a"));
      await store().put(document("bucket", "b"));
      const error = await rejection(store().rename({ type: "bucket", name: "a" }, "b"));
      expect(BlockExistsError.isInstance(error)).toBe(true);
      expect((error as BlockExistsError).slug).toBe("bucket/b");
      expect((await store().get({ type: "bucket", name: "a" }))?.revision).toBe(1);
    });
  });
}
