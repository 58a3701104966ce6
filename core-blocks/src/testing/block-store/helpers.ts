import { randomUUID } from "node:crypto";
import { TesseraError } from "../../errors/index.js";
import type { BlockStore, PutDocumentInput, StoreChange, StoreWatch } from "../../store/index.js";
import type { ConformanceTestApi } from "../conformance-test-api.js";

/** What every topic of the BlockStore suite shares: the test API and the store of the running
 * test. */
export interface BlockStoreSuite {
  api: ConformanceTestApi;
  store: () => BlockStore;
  /** The actor the store records for every write (see `describeBlockStore`'s options). */
  actorAssignedByServer?: string;
}

/** A valid `put` input with a fresh id; fields can be overridden. */
export function document(
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

export function blockType(type: string) {
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
export async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    if (TesseraError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("Expected the call to fail with a Tessera error, but it succeeded.");
}

export function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** The next `count` changes of `watch`, failing after `timeoutMs` without them. */
export async function take(
  watch: StoreWatch,
  count: number,
  timeoutMs = 5000,
): Promise<StoreChange[]> {
  const iterator = watch[Symbol.asyncIterator]();
  const changes: StoreChange[] = [];
  while (changes.length < count) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`watch yielded ${changes.length} of ${count} changes`)),
        timeoutMs,
      );
    });
    try {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      changes.push(next.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return changes;
}

/** A change as one line, such as `put bucket/x@2`, for comparing feeds in tests. */
export const brief = (change: StoreChange) =>
  `${change.operation} ${change.type}/${change.name}@${change.revision}`;
