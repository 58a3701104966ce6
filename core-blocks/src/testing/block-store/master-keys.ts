import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: master keys. */
export function describeMasterKeys(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("master keys", () => {
    it("records the master key id of every data key it stores, oldest first", async () => {
      expect(await store().listMasterKeys()).toEqual([]);
      await store().put(document("secret", "a", { dataKey: { masterKeyId: "k1", wrapped: "a" } }));
      const b = await store().put(
        document("secret", "b", { dataKey: { masterKeyId: "k2", wrapped: "b" } }),
      );
      await store().put(document("bucket", "plain"));
      expect(
        await store().replaceDataKey(b.id, b.dataKey!, { masterKeyId: "k3", wrapped: "c" }),
      ).toBe(true);
      // k2 no longer wraps anything, but stays recorded.
      const keys = await store().listMasterKeys();
      expect(keys.map((key) => [key.id, key.current])).toEqual([
        ["k1", false],
        ["k2", false],
        ["k3", false],
      ]);
      expect(Number.isNaN(Date.parse(keys[0]!.firstUsedAt))).toBe(false);
    });

    it("makes one key current, with compare-and-swap on the current one", async () => {
      expect(await store().setCurrentMasterKey("k1", { expectedCurrent: "k0" })).toBe(false);
      expect(await store().listMasterKeys()).toEqual([]);
      expect(await store().setCurrentMasterKey("k1", { expectedCurrent: null })).toBe(true);
      expect(await store().setCurrentMasterKey("k2", { expectedCurrent: null })).toBe(false);
      expect(await store().setCurrentMasterKey("k2", { expectedCurrent: "k1" })).toBe(true);
      expect(await store().setCurrentMasterKey("k1")).toBe(true);
      const keys = await store().listMasterKeys();
      expect(keys.map((key) => [key.id, key.current])).toEqual([
        ["k1", true],
        ["k2", false],
      ]);
    });

    it("refuses a new data key wrapped by a master key that is not current, writing nothing", async () => {
      await store().setCurrentMasterKey("k2");
      const stale = await rejection(
        store().put(document("secret", "a", { dataKey: { masterKeyId: "k1", wrapped: "a" } })),
      );
      expect(stale.code).toBe("MASTER_KEY_NOT_CURRENT");
      expect(stale.message.includes("k2")).toBe(true);
      expect(await store().get({ type: "secret", name: "a" })).toBe(undefined);

      // A document without secrets that gains its first data key is checked the same way.
      await store().put(document("secret", "b"));
      const added = await rejection(
        store().put(
          document("secret", "b", {
            dataKey: { masterKeyId: "k1", wrapped: "b" },
            overwrite: true,
          }),
        ),
      );
      expect(added.code).toBe("MASTER_KEY_NOT_CURRENT");
      expect((await store().get({ type: "secret", name: "b" }))?.revision).toBe(1);

      const current = await store().put(
        document("secret", "c", { dataKey: { masterKeyId: "k2", wrapped: "c" } }),
      );
      const rewrap = await rejection(
        store().replaceDataKey(current.id, current.dataKey!, { masterKeyId: "k1", wrapped: "d" }),
      );
      expect(rewrap.code).toBe("MASTER_KEY_NOT_CURRENT");
      expect((await store().get({ id: current.id }))?.dataKey).toEqual(current.dataKey);
      expect((await store().listMasterKeys()).map((key) => key.id)).toEqual(["k2"]);
    });

    it("keeps a document's stored data key under an older master key when it is saved again", async () => {
      const created = await store().put(
        document("secret", "a", { dataKey: { masterKeyId: "k1", wrapped: "a" } }),
      );
      await store().setCurrentMasterKey("k2");
      const second = await store().put(
        document("secret", "a", { dataKey: created.dataKey, overwrite: true }),
      );
      expect(second.revision).toBe(2);
      expect(second.dataKey).toEqual(created.dataKey);
    });
  });
}
