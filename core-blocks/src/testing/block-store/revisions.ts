import { BlockNotFoundError } from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: revisions. */
export function describeRevisions(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  describe("revisions", () => {
    it("keeps earlier revisions readable and lists history newest first", async () => {
      const ref = { type: "webhook", name: "alerts" };
      for (let version = 1; version <= 3; version++) {
        await store().put(
          document("webhook", "alerts", {
            data: { version },
            schemaVersion: `1.${version}.0`,
            overwrite: true,
          }),
        );
      }
      expect((await store().get(ref))?.data).toEqual({ version: 3 });
      const second = await store().get(ref, { revision: 2 });
      expect(second?.revision).toBe(2);
      expect(second?.data).toEqual({ version: 2 });
      expect(second?.schemaVersion).toBe("1.2.0");
      const history = await store().history(ref);
      expect(history.map((entry) => entry.revision)).toEqual([3, 2, 1]);
      expect(history.map((entry) => entry.operation)).toEqual(["save", "save", "save"]);
      expect(history[0]?.schemaVersion).toBe("1.3.0");
    });

    it("rolls back by writing an old revision's content as the newest revision", async () => {
      const child = await store().put(document("bucket", "child"));
      const ref = { type: "webhook", name: "alerts" };
      await store().put(
        document("webhook", "alerts", {
          data: { url: "one", child: { $ref: child.id } },
          references: [child.id],
          schemaChecksum: "sha256:one",
        }),
      );
      await store().put(
        document("webhook", "alerts", {
          data: { url: "two" },
          schemaChecksum: "sha256:two",
          overwrite: true,
        }),
      );
      const rolled = await store().rollback(ref, 1);
      expect(rolled.revision).toBe(3);
      expect(rolled.data).toEqual({ url: "one", child: { $ref: child.id } });
      expect(rolled.references).toEqual([child.id]);
      expect(rolled.schemaChecksum).toBe("sha256:one");
      expect((await store().get(ref))?.data).toEqual(rolled.data);
      const [newest] = await store().history(ref);
      expect(newest?.operation).toBe("rollback");
      expect(newest?.restoredFrom).toBe(1);
      expect((await store().referrers(child.id)).map((item) => item.name)).toEqual(["alerts"]);
    });

    it("refuses to roll back to a revision that does not exist, naming it", async () => {
      await store().put(document("webhook", "alerts"));
      const error = await rejection(store().rollback({ type: "webhook", name: "alerts" }, 7));
      expect(BlockNotFoundError.isInstance(error)).toBe(true);
      expect((error as BlockNotFoundError).revision).toBe(7);
      expect((error as BlockNotFoundError).slug).toBe("webhook/alerts");
    });

    it("prunes revisions beyond the retention limit, oldest first", async () => {
      const kept = store().limits.revisionsKept;
      const ref = { type: "webhook", name: "busy" };
      const writes = kept + 3;
      for (let version = 1; version <= writes; version++) {
        await store().put(document("webhook", "busy", { data: { version }, overwrite: true }));
      }
      const history = await store().history(ref);
      expect(history.length).toBe(kept);
      expect(history[0]?.revision).toBe(writes);
      expect(history.at(-1)?.revision).toBe(writes - kept + 1);
      expect(await store().get(ref, { revision: 3 })).toBe(undefined);
      expect((await store().get(ref, { revision: 4 }))?.data).toEqual({ version: 4 });
      const error = await rejection(store().rollback(ref, 1));
      expect(BlockNotFoundError.isInstance(error)).toBe(true);
    });

    it("answers BLOCK_NOT_FOUND for the history, rollback or rename of a missing document", async () => {
      const ref = { type: "webhook", name: "missing" };
      for (const call of [
        () => store().history(ref),
        () => store().rollback(ref, 1),
        () => store().rename(ref, "other"),
      ]) {
        const error = await rejection(call());
        expect(BlockNotFoundError.isInstance(error)).toBe(true);
        expect((error as BlockNotFoundError).slug).toBe("webhook/missing");
      }
    });
  });
}
