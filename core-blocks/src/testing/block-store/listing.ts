import { formatSlug } from "../../block/slug.js";
import { type BlockStoreSuite, document } from "./helpers.js";

/** BlockStore conformance: listing. */
export function describeListing(suite: BlockStoreSuite): void {
  const { describe, it, expect } = suite.api;
  const { store } = suite;
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
}
