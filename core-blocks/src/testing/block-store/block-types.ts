import { type BlockStoreSuite, blockType } from "./helpers.js";

/** BlockStore conformance: block types. */
export function describeBlockTypes(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("block types", () => {
    it("records, replaces and lists block types ordered by type", async () => {
      expect(await store().getBlockType("bucket")).toBe(undefined);
      const bucket = blockType("bucket");
      await store().putBlockType(bucket);
      await store().putBlockType(blockType("aws-credentials"));
      expect(await store().getBlockType("bucket")).toEqual(bucket);
      const updated = {
        ...bucket,
        schemaVersion: "2.0.0",
        package: { name: "@acme/blocks", version: "2.0.0", coreRange: ">=0.1 <1" },
      };
      await store().putBlockType(updated);
      expect(await store().getBlockType("bucket")).toEqual(updated);
      expect((await store().listBlockTypes()).map((record) => record.type)).toEqual([
        "aws-credentials",
        "bucket",
      ]);
    });
  });
}
