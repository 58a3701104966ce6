import { randomUUID } from "node:crypto";
import { BlockExistsError } from "../../errors/index.js";
import { type BlockStoreSuite, document, pause, rejection } from "./helpers.js";

/** BlockStore conformance: documents. */
export function describeDocuments(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("documents", () => {
    it("creates a document at revision 1 and reads it back by slug and by id", async () => {
      const input = document("db-credentials", "prod", {
        data: { host: "db.internal", port: 5432, tls: true },
        package: { name: "@acme/blocks", version: "1.2.0", coreRange: "^0.1.0" },
      });
      const created = await store().put(input);
      expect(created.id).toBe(input.id);
      expect(created.revision).toBe(1);
      expect(created.data).toEqual(input.data);
      expect(created.createdAt).toBe(created.updatedAt);
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);

      for (const ref of [{ type: "db-credentials", name: "prod" }, { id: input.id }]) {
        const loaded = await store().get(ref);
        expect(loaded).toEqual(created);
      }
      const loaded = await store().get({ id: input.id });
      expect(loaded?.type).toBe("db-credentials");
      expect(loaded?.name).toBe("prod");
      expect(loaded?.schemaChecksum).toBe(input.schemaChecksum);
      expect(loaded?.schemaVersion).toBe(input.schemaVersion);
      expect(loaded?.package).toEqual(input.package);
      expect(loaded?.references).toEqual([]);
      expect(loaded?.dataKey).toBe(null);
    });

    it("returns undefined for a document, id or revision that does not exist", async () => {
      await store().put(document("bucket", "one"));
      expect(await store().get({ type: "bucket", name: "two" })).toBe(undefined);
      expect(await store().get({ type: "other", name: "one" })).toBe(undefined);
      expect(await store().get({ id: randomUUID() })).toBe(undefined);
      expect(await store().get({ type: "bucket", name: "one" }, { revision: 2 })).toBe(undefined);
    });

    it("refuses to write over an existing name without overwrite, naming the slug", async () => {
      await store().put(document("bucket", "results", { data: { v: 1 } }));
      const error = await rejection(store().put(document("bucket", "results", { data: { v: 2 } })));
      expect(BlockExistsError.isInstance(error)).toBe(true);
      expect((error as BlockExistsError).slug).toBe("bucket/results");
      expect(error.message.includes("overwrite")).toBe(true);
      const stored = await store().get({ type: "bucket", name: "results" });
      expect(stored?.data).toEqual({ v: 1 });
      expect(stored?.revision).toBe(1);
    });

    it("replaces the whole document on overwrite, keeping its id and creation time", async () => {
      const first = await store().put(
        document("bucket", "results", { data: { name: "a", folder: "old" } }),
      );
      await pause(5);
      const second = await store().put(
        document("bucket", "results", { data: { name: "b" }, overwrite: true }),
      );
      expect(second.id).toBe(first.id);
      expect(second.revision).toBe(2);
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.updatedAt > first.updatedAt).toBe(true);
      const stored = await store().get({ type: "bucket", name: "results" });
      expect(stored?.data).toEqual({ name: "b" });
      expect(stored?.id).toBe(first.id);
    });

    it("deletes a document with all its revisions; a second delete returns false", async () => {
      const created = await store().put(document("bucket", "gone"));
      await store().put(document("bucket", "gone", { overwrite: true }));
      expect(await store().delete({ type: "bucket", name: "gone" })).toBe(true);
      expect(await store().get({ type: "bucket", name: "gone" })).toBe(undefined);
      expect(await store().get({ id: created.id }, { revision: 1 })).toBe(undefined);
      expect(await store().delete({ id: created.id })).toBe(false);
      expect((await store().list()).items).toEqual([]);
      const again = await store().put(document("bucket", "gone"));
      expect(again.revision).toBe(1);
    });

    it("reads several documents by id in one call, leaving out missing ids", async () => {
      const a = await store().put(document("bucket", "a"));
      const b = await store().put(document("bucket", "b"));
      await store().put(document("bucket", "b", { data: { v: 2 }, overwrite: true }));
      const found = await store().getMany([a.id, b.id, randomUUID()]);
      expect(found.size).toBe(2);
      expect(found.get(a.id)?.name).toBe("a");
      expect(found.get(b.id)?.revision).toBe(2);
      expect(found.get(b.id)?.data).toEqual({ v: 2 });
      expect((await store().getMany([])).size).toBe(0);
    });
  });
}
