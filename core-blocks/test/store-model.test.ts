import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { TesseraError } from "../src/errors/index.js";
import {
  type BlockStore,
  createMemoryStore,
  openSqliteStore,
  type StoredDocument,
} from "../src/store/index.js";

const folder = mkdtempSync(join(tmpdir(), "tessera-store-model-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const names = ["a", "b", "c"];
const name = fc.constantFrom(...names);

/** One call on a store; both stores get the same calls and must answer alike. */
type Operation =
  | {
      kind: "put";
      name: string;
      value: number;
      expectedRevision?: number;
      overwrite: boolean;
      reference?: string;
    }
  | { kind: "delete"; name: string; force: boolean }
  | { kind: "rename"; name: string; to: string }
  | { kind: "rollback"; name: string; revision: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("put" as const),
      name,
      value: fc.integer({ min: 0, max: 9 }),
      expectedRevision: fc.integer({ min: 0, max: 4 }),
      overwrite: fc.boolean(),
      reference: name,
    },
    { requiredKeys: ["kind", "name", "value", "overwrite"] },
  ),
  fc.record({ kind: fc.constant("delete" as const), name, force: fc.boolean() }),
  fc.record({ kind: fc.constant("rename" as const), name, to: name }),
  fc.record({
    kind: fc.constant("rollback" as const),
    name,
    revision: fc.integer({ min: 1, max: 4 }),
  }),
);

/** What a call answered, without ids and timestamps (which legitimately differ). */
function outcome(result: unknown): unknown {
  if (result instanceof Error) {
    return { error: TesseraError.isInstance(result) ? result.code : result.message };
  }
  if (typeof result === "object" && result !== null && "revision" in result) {
    const document = result as StoredDocument;
    return { name: document.name, revision: document.revision, data: document.data };
  }
  return result;
}

const type = "model-note";

/**
 * Applies one step. `id` is the id a created document gets (the same in both stores, so references
 * match); `target` is the id of the referenced document, if the step references one.
 */
async function apply(store: BlockStore, step: Operation, id: string, target: string | undefined) {
  try {
    switch (step.kind) {
      case "put": {
        const referenced = target === undefined ? [] : [target];
        return await store.put({
          id,
          type,
          name: step.name,
          data: {
            value: step.value,
            ...(referenced.length ? { other: { $ref: referenced[0]! } } : {}),
          },
          schemaChecksum: "sha256:model",
          schemaVersion: "1.0.0",
          references: referenced,
          dataKey: null,
          ...(step.expectedRevision !== undefined
            ? { expectedRevision: step.expectedRevision }
            : {}),
          overwrite: step.overwrite,
        });
      }
      case "delete":
        return await store.delete({ type, name: step.name }, { force: step.force });
      case "rename":
        return await store.rename({ type, name: step.name }, step.to);
      case "rollback":
        return await store.rollback({ type, name: step.name }, step.revision);
    }
  } catch (error) {
    return error;
  }
}

async function snapshot(store: BlockStore) {
  const listed = await store.list({ limit: 1000 });
  const documents = [];
  for (const item of listed.items) {
    const history = await store.history({ id: item.id });
    const referrers = await store.referrers(item.id);
    documents.push({
      name: item.name,
      revision: item.revision,
      history: history.map((entry) => [
        entry.revision,
        entry.operation,
        entry.restoredFrom ?? null,
      ]),
      referrers: referrers.map((referrer) => referrer.name),
    });
  }
  return documents;
}

describe("the memory store as a model of the SQLite store", () => {
  it("answers every random sequence of writes exactly as the SQLite store does", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (steps) => {
        const memory = createMemoryStore({ limits: { revisionsKept: 3 } });
        const sqlite = await openSqliteStore({
          path: join(folder, `model-${run++}.db`),
          limits: { revisionsKept: 3 },
        });
        try {
          for (const step of steps) {
            const id = randomUUID();
            const target =
              step.kind === "put" && step.reference
                ? (await memory.get({ type, name: step.reference }))?.id
                : undefined;
            const expected = await apply(memory, step, id, target);
            const actual = await apply(sqlite, step, id, target);
            expect({ step, answer: outcome(actual) }).toEqual({ step, answer: outcome(expected) });
          }
          expect(await snapshot(sqlite)).toEqual(await snapshot(memory));
        } finally {
          await sqlite.close();
          await memory.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
