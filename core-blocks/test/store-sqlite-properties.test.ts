import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TesseraError } from "../src/errors/index.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-sqlite-properties-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
});

afterAll(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

const slugPart = fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}$/);

describe("SQLite store listing, under random input", () => {
  it("answers any cursor string with a page or INVALID_INPUT, never another failure", async () => {
    await store.put({
      id: crypto.randomUUID(),
      type: "probe",
      name: "one",
      data: {},
      schemaChecksum: "sha256:test",
      schemaVersion: "1.0.0",
      references: [],
      dataKey: null,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((text) => Buffer.from(text).toString("base64url")),
          fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString("base64url")),
        ),
        fc.option(slugPart, { nil: undefined }),
        async (cursor, type) => {
          try {
            const page = await store.list({ cursor, type, limit: 5 });
            expect(Array.isArray(page.items)).toBe(true);
          } catch (error) {
            expect(TesseraError.isInstance(error) && error.code === "INVALID_INPUT").toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("pages through any set of documents in type-then-name order, each exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(slugPart, slugPart), {
          minLength: 0,
          maxLength: 40,
          selector: ([type, name]) => `${type}/${name}`,
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }),
        async (slugs, limit, filterIndex) => {
          const isolated = await openSqliteStore({
            path: join(folder, `listing-${crypto.randomUUID()}.db`),
          });
          try {
            await isolated.importDocuments(
              slugs.map(([type, name]) => ({
                id: crypto.randomUUID(),
                type,
                name,
                data: {},
                schemaChecksum: "sha256:test",
                schemaVersion: "1.0.0",
                references: [],
                dataKey: null,
              })),
            );
            const type = filterIndex === undefined ? undefined : slugs[filterIndex]?.[0];
            const expected = slugs
              .filter(([slugType]) => type === undefined || slugType === type)
              .map(([slugType, name]) => [slugType, name] as const)
              .sort((a, b) => (a[0] === b[0] ? compare(a[1], b[1]) : compare(a[0], b[0])))
              .map(([slugType, name]) => `${slugType}/${name}`);
            const seen: string[] = [];
            let cursor: string | undefined;
            do {
              const page = await isolated.list({ type, limit, cursor });
              seen.push(...page.items.map((item) => `${item.type}/${item.name}`));
              cursor = page.nextCursor;
            } while (cursor !== undefined && seen.length <= slugs.length);
            expect(seen).toEqual(expected);
          } finally {
            await isolated.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Binary (code unit) order, which is SQLite's default collation for ASCII text. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
