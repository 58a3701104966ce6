import { BlockNotFoundError, InvalidInputError } from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: revisions. */
export function describeRevisions(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
  /** The actor a revision records when its write gave `given`. */
  const recorded = (given: string | undefined) => suite.actorAssignedByServer ?? given;
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

    it("records the actor of each save, rollback and rename, and returns it from history and get", async () => {
      const ref = { type: "webhook", name: "audited" };
      const created = await store().put(
        document("webhook", "audited", { data: { url: "one" }, actor: "user:alice" }),
      );
      expect(created.actor).toBe(recorded("user:alice"));
      const anonymous = await store().put(
        document("webhook", "audited", { data: { url: "two" }, overwrite: true }),
      );
      expect(anonymous.actor).toBe(recorded(undefined));
      const rolled = await store().rollback(ref, 1, { actor: "token:deploy-bot" });
      expect(rolled.actor).toBe(recorded("token:deploy-bot"));
      const renamed = await store().rename(ref, "audited-renamed", {
        actor: "user:bob",
        expectedRevision: 3,
      });
      expect(renamed.actor).toBe(recorded("user:bob"));

      const moved = { type: "webhook", name: "audited-renamed" };
      const history = await store().history(moved);
      expect(history.map((entry) => [entry.revision, entry.operation, entry.actor])).toEqual([
        [4, "rename", recorded("user:bob")],
        [3, "rollback", recorded("token:deploy-bot")],
        [2, "save", recorded(undefined)],
        [1, "save", recorded("user:alice")],
      ]);
      expect((await store().get(moved))?.actor).toBe(recorded("user:bob"));
      expect((await store().get({ id: created.id }))?.actor).toBe(recorded("user:bob"));
      expect((await store().get(moved, { revision: 1 }))?.actor).toBe(recorded("user:alice"));
      expect((await store().get(moved, { revision: 2 }))?.actor).toBe(recorded(undefined));
      expect((await store().get(moved, { revision: 3 }))?.actor).toBe(recorded("token:deploy-bot"));
      const many = await store().getMany([created.id]);
      expect(many.get(created.id)?.actor).toBe(recorded("user:bob"));
    });

    it("refuses an actor longer than 200 characters with INVALID_INPUT and writes nothing", async () => {
      const tooLong = `user:${"a".repeat(196)}`;
      expect(tooLong.length).toBe(201);
      const ref = { type: "webhook", name: "audited" };
      const refused = await rejection(
        store().put(document("webhook", "audited", { actor: tooLong })),
      );
      expect(InvalidInputError.isInstance(refused)).toBe(true);
      expect(await store().get(ref)).toBe(undefined);

      const longest = tooLong.slice(0, 200);
      await store().put(document("webhook", "audited", { data: { url: "one" }, actor: longest }));
      for (const call of [
        () =>
          store().put(
            document("webhook", "audited", {
              data: { url: "two" },
              overwrite: true,
              actor: tooLong,
            }),
          ),
        () => store().rollback(ref, 1, { actor: tooLong }),
        () => store().rename(ref, "audited-renamed", { actor: tooLong }),
      ]) {
        const error = await rejection(call());
        expect(InvalidInputError.isInstance(error)).toBe(true);
      }
      const history = await store().history(ref);
      expect(history.map((entry) => [entry.revision, entry.actor])).toEqual([
        [1, recorded(longest)],
      ]);
      expect((await store().get(ref))?.data).toEqual({ url: "one" });
    });
  });
}
