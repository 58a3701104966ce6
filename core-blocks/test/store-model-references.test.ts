import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TesseraError } from "../src/errors/index.js";
import { type BlockStore, createMemoryStore, openSqliteStore } from "../src/store/index.js";

/**
 * Random sequences of writes applied to the SQLite store and the memory store side by side, over
 * two block types, with several references per save (some to names that are not saved) and
 * compare-and-swap on the current revision: both must answer every call the same way (same
 * revision or same error code) and end in the same state, data and references included.
 * (store-model.test.ts does the same over one type with at most one, always valid, reference.)
 */

type Slug = { type: string; name: string };
type Operation =
  | {
      kind: "put";
      slug: Slug;
      value: number;
      mode: "none" | "overwrite" | "expected";
      expectedRevision: number;
      references: Slug[];
    }
  | { kind: "delete"; slug: Slug; force: boolean }
  | { kind: "rename"; slug: Slug; newName: string }
  | { kind: "rollback"; slug: Slug; revision: number };

const slug = fc.record({
  type: fc.constantFrom("alpha", "beta"),
  name: fc.constantFrom("x", "y", "z"),
});
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      slug,
      value: fc.integer({ min: 0, max: 9 }),
      mode: fc.constantFrom("none" as const, "overwrite" as const, "expected" as const),
      // -1: the revision stored right now (a compare-and-swap that should win).
      expectedRevision: fc.integer({ min: -1, max: 4 }),
      references: fc.oneof(
        { weight: 3, arbitrary: fc.constant<Slug[]>([]) },
        { weight: 2, arbitrary: fc.array(slug, { minLength: 1, maxLength: 2 }) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), slug, force: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rename" as const),
      slug,
      newName: fc.constantFrom("x", "y", "w"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rollback" as const),
      slug,
      revision: fc.integer({ min: 1, max: 5 }),
    }),
  },
);

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-store-model-references-"));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

async function apply(store: BlockStore, step: Operation, index: number): Promise<string> {
  try {
    switch (step.kind) {
      case "put": {
        const references: string[] = [];
        for (const target of step.references) {
          // A reference to a name that is not saved becomes an id no document has.
          references.push((await store.get(target))?.id ?? `missing-${target.type}-${target.name}`);
        }
        const written = await store.put({
          id: `id-${index}`,
          ...step.slug,
          data: { value: step.value },
          schemaChecksum: "sha256:model",
          schemaVersion: "1.0.0",
          references,
          dataKey: null,
          ...(step.mode === "overwrite" ? { overwrite: true } : {}),
          ...(step.mode === "expected"
            ? {
                expectedRevision:
                  step.expectedRevision === -1
                    ? ((await store.get(step.slug))?.revision ?? 0)
                    : step.expectedRevision,
              }
            : {}),
        });
        return `ok ${written.id} ${written.revision}`;
      }
      case "delete":
        return `ok ${await store.delete(step.slug, { force: step.force })}`;
      case "rename": {
        const renamed = await store.rename(step.slug, step.newName);
        return `ok ${renamed.name} ${renamed.revision}`;
      }
      case "rollback": {
        const rolled = await store.rollback(step.slug, step.revision);
        return `ok ${rolled.revision} ${JSON.stringify(rolled.data)}`;
      }
    }
  } catch (error) {
    if (TesseraError.isInstance(error)) return `error ${error.code}`;
    throw error;
  }
}

async function state(store: BlockStore): Promise<unknown[]> {
  const { items } = await store.list({ limit: 1000 });
  const documents: unknown[] = [];
  for (const item of items) {
    const newest = await store.get({ id: item.id });
    const history = await store.history({ id: item.id });
    const referrers = await store.referrers(item.id);
    documents.push({
      slug: `${item.type}/${item.name}`,
      id: item.id,
      revision: item.revision,
      data: newest?.data,
      references: newest?.references.slice().sort(),
      history: history.map((entry) => [entry.revision, entry.operation, entry.restoredFrom]),
      referrers: referrers.map((referrer) => referrer.name),
    });
  }
  return documents;
}

describe("the SQLite and memory stores, under random sequences across types and references", () => {
  it("answer every call alike and end in the same state", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 40 }), async (steps) => {
        const limits = { revisionsKept: 3 };
        const sqlite = await openSqliteStore({ path: join(folder, `model-${run++}.db`), limits });
        const memory = createMemoryStore({ limits });
        try {
          for (const [index, step] of steps.entries()) {
            const fromSqlite = await apply(sqlite, step, index);
            const fromMemory = await apply(memory, step, index);
            expect({ step, answer: fromSqlite }).toEqual({ step, answer: fromMemory });
          }
          expect(await state(sqlite)).toEqual(await state(memory));
        } finally {
          await sqlite.close();
          await memory.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
