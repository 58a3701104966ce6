import { randomUUID } from "node:crypto";
import {
  BlockReferencedError,
  ReferenceCycleError,
  ReferenceNotFoundError,
} from "../../errors/index.js";
import { type BlockStoreSuite, document, rejection } from "./helpers.js";

/** BlockStore conformance: references. */
export function describeReferences(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
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
      const { Secret } = await import("../../secret-block/index.js");
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

      expect(await store().delete({ type: "secret", name: "shared" }, { force: true })).toBe(true);
    });
  });
}
