import { randomUUID } from "node:crypto";
import type { WrappedDataKey } from "../../store/index.js";
import { type BlockStoreSuite, document } from "./helpers.js";

/** BlockStore conformance: data keys. */
export function describeDataKeys(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("data keys", () => {
    it("pages through data keys wrapped by other master keys", async () => {
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) {
        const created = await store().put(
          document("secret", `s-${index}`, {
            dataKey: { masterKeyId: index === 2 ? "new" : "old", wrapped: `wrapped-${index}` },
          }),
        );
        if (index !== 2) ids.push(created.id);
      }
      await store().put(document("bucket", "plain"));
      ids.sort();
      const first = await store().listDataKeys({ notMasterKeyId: "new", limit: 3 });
      expect(first.map((entry) => entry.id)).toEqual(ids.slice(0, 3));
      const rest = await store().listDataKeys({
        notMasterKeyId: "new",
        afterId: first.at(-1)?.id,
        limit: 3,
      });
      expect(rest.map((entry) => entry.id)).toEqual(ids.slice(3));
      expect(first[0]?.dataKey.masterKeyId).toBe("old");
    });

    it("replaces a data key only if it still equals the expected one, without a revision", async () => {
      const oldKey: WrappedDataKey = { masterKeyId: "old", wrapped: "a" };
      const newKey: WrappedDataKey = { masterKeyId: "new", wrapped: "b" };
      const created = await store().put(document("secret", "token", { dataKey: oldKey }));
      expect(created.dataKey).toEqual(oldKey);
      expect(await store().replaceDataKey(created.id, { ...oldKey, wrapped: "x" }, newKey)).toBe(
        false,
      );
      expect(await store().replaceDataKey(created.id, oldKey, newKey)).toBe(true);
      expect(await store().replaceDataKey(created.id, oldKey, newKey)).toBe(false);
      const stored = await store().get({ id: created.id });
      expect(stored?.dataKey).toEqual(newKey);
      expect(stored?.revision).toBe(1);
      expect(await store().listDataKeys({ notMasterKeyId: "new" })).toEqual([]);
      expect(await store().replaceDataKey(randomUUID(), oldKey, newKey)).toBe(false);
    });

    it("keeps the stored data key when a later save passes none", async () => {
      const key: WrappedDataKey = { masterKeyId: "k1", wrapped: "w" };
      await store().put(document("secret", "token", { dataKey: key }));
      const second = await store().put(
        document("secret", "token", { dataKey: null, overwrite: true }),
      );
      expect(second.dataKey).toEqual(key);
      expect((await store().get({ type: "secret", name: "token" }))?.dataKey).toEqual(key);
    });
  });
}
