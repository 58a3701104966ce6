import { randomUUID } from "node:crypto";
import { formatSlug } from "../block/slug.js";
import {
  BlockExistsError,
  BlockNotFoundError,
  BlockReferencedError,
  DocumentTooLargeError,
  ReferenceCycleError,
  ReferenceNotFoundError,
  RevisionConflictError,
  TesseraError,
} from "../errors/index.js";
import type { JsonObject } from "../schema/index.js";
import type { BlockStore, PutDocumentInput, WrappedDataKey } from "../store/index.js";
import type { ConformanceTestApi } from "./conformance-test-api.js";

/** What a `describeBlockStore` factory returns: a fresh, empty store and how to remove it. */
export interface BlockStoreFixture {
  /** An empty store, used by one test. */
  store: BlockStore;
  /**
   * Closes the store and removes what it left behind (files, tables).
   * @default store.close()
   */
  cleanup?: () => Promise<void>;
}

/**
 * The conformance suite every `BlockStore` backend passes unchanged. Registers one `describe`
 * block; every test gets a fresh store from `factory` and cleans it up afterwards.
 *
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from "vitest";
 * import { describeBlockStore } from "@tessera/core/testing";
 * describeBlockStore({ describe, it, expect, beforeEach, afterEach }, async () => ({
 *   store: await openMyStore(),
 * }));
 * ```
 */
export function describeBlockStore(
  api: ConformanceTestApi,
  factory: () => Promise<BlockStoreFixture>,
  options: {
    /**
     * Name of the `describe` block.
     * @default "BlockStore conformance"
     */
    name?: string;
  } = {},
): void {
  const { describe, it, expect, beforeEach, afterEach } = api;
  let fixture: BlockStoreFixture | undefined;
  const store = (): BlockStore => {
    if (!fixture) throw new Error("The store fixture is only available inside a test.");
    return fixture.store;
  };

  describe(options.name ?? "BlockStore conformance", () => {
    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      if (current) await (current.cleanup ? current.cleanup() : current.store.close());
    });

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
        const error = await rejection(
          store().put(document("bucket", "results", { data: { v: 2 } })),
        );
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

    describe("listing", () => {
      it("lists documents ordered by type then name, and filters by type", async () => {
        for (const [type, name] of [
          ["webhook", "alerts"],
          ["bucket", "zeta"],
          ["bucket", "alpha"],
          ["aws-credentials", "prod"],
        ] as const) {
          await store().put(document(type, name));
        }
        const all = await store().list();
        expect(all.items.map((item) => formatSlug(item.type, item.name))).toEqual([
          "aws-credentials/prod",
          "bucket/alpha",
          "bucket/zeta",
          "webhook/alerts",
        ]);
        expect(all.nextCursor).toBe(undefined);
        const first = all.items[0]!;
        expect(first.revision).toBe(1);
        expect(first.schemaVersion).toBe("1.0.0");
        expect(typeof first.id).toBe("string");
        const buckets = await store().list({ type: "bucket" });
        expect(buckets.items.map((item) => item.name)).toEqual(["alpha", "zeta"]);
        expect((await store().list({ type: "nothing" })).items).toEqual([]);
      });

      it("pages through a listing with cursors, returning every document exactly once", async () => {
        const expected: string[] = [];
        for (const type of ["alpha", "beta", "gamma"]) {
          for (let index = 0; index < 9; index++) {
            const name = `doc-${index}`;
            await store().put(document(type, name));
            expected.push(formatSlug(type, name));
          }
        }
        for (const [filter, limit] of [
          [undefined, 7],
          [undefined, 1],
          ["beta", 4],
          [undefined, 27],
        ] as const) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store().list({ type: filter, limit, cursor });
            expect(page.items.length <= limit).toBe(true);
            seen.push(...page.items.map((item) => formatSlug(item.type, item.name)));
            cursor = page.nextCursor;
            pages++;
          } while (cursor !== undefined && pages < 100);
          const wanted = expected.filter((slug) => !filter || slug.startsWith(`${filter}/`));
          expect(seen).toEqual(wanted);
        }
      });
    });

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
        expect((await store().get({ type: "aws-credentials", name: "new-name" }))?.id).toBe(
          child.id,
        );
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

    describe("references", () => {
      it("refuses a reference to a document that does not exist", async () => {
        const missing = randomUUID();
        const error = await rejection(
          store().put(document("bucket", "results", { references: [missing] })),
        );
        expect(ReferenceNotFoundError.isInstance(error)).toBe(true);
        expect((error as ReferenceNotFoundError).slug).toBe("bucket/results");
        expect((error as ReferenceNotFoundError).missing).toBe(missing);
        expect(await store().get({ type: "bucket", name: "results" })).toBe(undefined);
      });

      it("refuses a document that references itself", async () => {
        const created = await store().put(document("bucket", "self"));
        const error = await rejection(
          store().put(document("bucket", "self", { references: [created.id], overwrite: true })),
        );
        expect(ReferenceCycleError.isInstance(error)).toBe(true);
        expect((error as ReferenceCycleError).cycle).toEqual(["bucket/self", "bucket/self"]);
        const fresh = document("bucket", "fresh");
        const freshError = await rejection(store().put({ ...fresh, references: [fresh.id] }));
        expect(ReferenceCycleError.isInstance(freshError)).toBe(true);
      });

      it("refuses a cycle A -> B -> A and names it", async () => {
        const a = await store().put(document("node", "a"));
        await store().put(document("node", "b", { references: [a.id] }));
        const b = await store().get({ type: "node", name: "b" });
        const error = await rejection(
          store().put(document("node", "a", { references: [b!.id], overwrite: true })),
        );
        expect(ReferenceCycleError.isInstance(error)).toBe(true);
        expect((error as ReferenceCycleError).cycle).toEqual(["node/a", "node/b", "node/a"]);
        expect((await store().get({ type: "node", name: "a" }))?.revision).toBe(1);
      });

      it("refuses a longer cycle through several documents", async () => {
        const a = await store().put(document("node", "a"));
        const b = await store().put(document("node", "b", { references: [a.id] }));
        await store().put(document("node", "c", { references: [b.id] }));
        const c = await store().get({ type: "node", name: "c" });
        const error = await rejection(
          store().put(document("node", "a", { references: [c!.id], overwrite: true })),
        );
        expect((error as ReferenceCycleError).cycle).toEqual([
          "node/a",
          "node/c",
          "node/b",
          "node/a",
        ]);
      });

      it("allows a diamond: two documents referencing one shared document", async () => {
        const shared = await store().put(document("node", "shared"));
        const left = await store().put(document("node", "left", { references: [shared.id] }));
        const right = await store().put(document("node", "right", { references: [shared.id] }));
        const top = await store().put(
          document("node", "top", { references: [left.id, right.id, left.id] }),
        );
        expect(top.references.slice().sort()).toEqual([left.id, right.id].sort());
        expect((await store().referrers(shared.id)).map((item) => item.name)).toEqual([
          "left",
          "right",
        ]);
      });

      it("refuses to delete a referenced document, naming the referrers, unless forced", async () => {
        const child = await store().put(document("aws-credentials", "prod"));
        await store().put(document("bucket", "results", { references: [child.id] }));
        await store().put(document("bucket", "archive", { references: [child.id] }));
        const error = await rejection(store().delete({ type: "aws-credentials", name: "prod" }));
        expect(BlockReferencedError.isInstance(error)).toBe(true);
        expect((error as BlockReferencedError).slug).toBe("aws-credentials/prod");
        expect((error as BlockReferencedError).referrers).toEqual([
          "bucket/archive",
          "bucket/results",
        ]);
        expect(error.message.includes("force")).toBe(true);
        expect((await store().get({ id: child.id }))?.revision).toBe(1);

        expect(await store().delete({ id: child.id }, { force: true })).toBe(true);
        expect(await store().get({ id: child.id })).toBe(undefined);
        expect((await store().get({ type: "bucket", name: "results" }))?.references).toEqual([
          child.id,
        ]);
      });

      it("counts only newest revisions as referrers", async () => {
        const child = await store().put(document("aws-credentials", "prod"));
        await store().put(document("bucket", "results", { references: [child.id] }));
        await store().put(document("bucket", "results", { references: [], overwrite: true }));
        expect(await store().referrers(child.id)).toEqual([]);
        expect(await store().delete({ id: child.id })).toBe(true);
      });

      it("protects a secret used through $reference like a nested block, and refuses a reference to a missing one at save", async () => {
        // Imported on use: the block layer is only needed by this case.
        const { Secret } = await import("../secret-block/index.js");
        // References only: nothing is sealed, so no master key is needed.
        await new Secret({ value: { $reference: "env:CONFORMANCE_UNUSED" } }).save("shared", {
          store: store(),
        });
        await new Secret({ value: { $reference: "secret/shared" } }).save("user", {
          store: store(),
        });
        const shared = await store().get({ type: "secret", name: "shared" });
        const user = await store().get({ type: "secret", name: "user" });
        expect(user?.references).toEqual([shared?.id]);
        const error = await rejection(store().delete({ type: "secret", name: "shared" }));
        expect(BlockReferencedError.isInstance(error)).toBe(true);
        expect((error as BlockReferencedError).referrers).toEqual(["secret/user"]);

        const missing = await rejection(
          new Secret({ value: { $reference: "secret/nowhere" } }).save("broken", {
            store: store(),
          }),
        );
        expect(missing.code).toBe("SECRET_REFERENCE_UNRESOLVED");
        expect(await store().get({ type: "secret", name: "broken" })).toBe(undefined);

        expect(await store().delete({ type: "secret", name: "shared" }, { force: true })).toBe(
          true,
        );
      });
    });

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

    describe("master keys", () => {
      it("records the master key id of every data key it stores, oldest first", async () => {
        expect(await store().listMasterKeys()).toEqual([]);
        await store().put(
          document("secret", "a", { dataKey: { masterKeyId: "k1", wrapped: "a" } }),
        );
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

    describe("metadata", () => {
      it("stores, replaces and reads small metadata values", async () => {
        expect(await store().getMeta("keys")).toBe(undefined);
        await store().setMeta("keys", "k1");
        await store().setMeta("keys", "k1,k2");
        await store().setMeta("other", "");
        expect(await store().getMeta("keys")).toBe("k1,k2");
        expect(await store().getMeta("other")).toBe("");
      });
    });

    describe("values", () => {
      it("round-trips unicode, emoji, control characters and every JSON type exactly", async () => {
        const data: JsonObject = {
          polish: "Zażółć gęślą jaźń",
          emoji: "😀 👩‍👩‍👧 🏳️‍🌈",
          rtl: "שלום \u202e reversed",
          nul: "a\u0000b",
          loneSurrogates: "x\ud800y\udc00",
          newline: 'line\nbreak\ttab \\ "quoted"',
          zeroWidth: "a\u200bb",
          combining: "e\u0301",
          numbers: [0, 1, -1, 0.1, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
          flags: [true, false, null],
          empty: { string: "", array: [], object: {} },
          deep: { a: { b: { c: { d: ["e", { f: "g" }] } } } },
          "key with spaces / and 😀": "value",
        };
        const stored = await store().put(document("bucket", "unicode", { data }));
        expect(stored.data).toEqual(data);
        const loaded = await store().get({ type: "bucket", name: "unicode" });
        expect(loaded?.data).toEqual(data);
        expect(JSON.stringify(loaded?.data)).toBe(JSON.stringify(data));
      });

      it("stores __proto__ and constructor keys as plain data without polluting prototypes", async () => {
        const data = JSON.parse(
          '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"safe":1}',
        ) as JsonObject;
        await store().put(document("bucket", "proto", { data }));
        const loaded = await store().get({ type: "bucket", name: "proto" });
        const probe: Record<string, unknown> = {};
        expect(probe.polluted).toBe(undefined);
        expect(Object.hasOwn(loaded?.data ?? {}, "__proto__")).toBe(true);
        expect(Object.getPrototypeOf(loaded?.data)).toBe(Object.prototype);
        expect(JSON.stringify(loaded?.data)).toBe(JSON.stringify(data));
      });

      it("does not let callers change stored documents through returned or passed objects", async () => {
        const input = document("bucket", "isolated", { data: { nested: { value: 1 } } });
        const stored = await store().put(input);
        (input.data.nested as JsonObject).value = 2;
        (stored.data.nested as JsonObject).value = 3;
        const loaded = await store().get({ type: "bucket", name: "isolated" });
        expect(loaded?.data).toEqual({ nested: { value: 1 } });
        (loaded!.data.nested as JsonObject).value = 4;
        expect((await store().get({ type: "bucket", name: "isolated" }))?.data).toEqual({
          nested: { value: 1 },
        });
      });
    });
  });
}

/** A valid `put` input with a fresh id; fields can be overridden. */
function document(
  type: string,
  name: string,
  overrides: Partial<PutDocumentInput> = {},
): PutDocumentInput {
  return {
    id: randomUUID(),
    type,
    name,
    data: { name },
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
    ...overrides,
  };
}

function blockType(type: string) {
  return {
    type,
    title: `A ${type}`,
    description: `Test block type ${type}.`,
    documentationUrl: `https://example.com/${type}`,
    capabilities: ["read-path"],
    schemaVersion: "1.0.0",
    checksum: `sha256:${"1".repeat(64)}`,
    jsonSchema: { type: "object", properties: { token: { type: "string", writeOnly: true } } },
    secretFields: ["token"],
    registeredAt: new Date(0).toISOString(),
  };
}

/** The Tessera error `promise` rejects with; fails when it resolves or rejects otherwise. */
async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    if (TesseraError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("Expected the call to fail with a Tessera error, but it succeeded.");
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
