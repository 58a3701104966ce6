import { formatSlug } from "../../block/slug.js";
import {
  BlockExistsError,
  BlockNotFoundError,
  BlockReferencedError,
  DocumentTooLargeError,
  MasterKeyNotCurrentError,
  ReferenceCycleError,
  ReferenceNotFoundError,
  RevisionConflictError,
  StoreClosedError,
} from "../../errors/index.js";
import type { JsonObject } from "../../schema/json.js";
import { checkActor } from "../actor.js";
import type {
  BlockStore,
  BlockTypeRecord,
  DefiningPackage,
  DocumentRef,
  DocumentSummary,
  ListDocumentsOptions,
  MasterKeyRecord,
  Page,
  PutDocumentInput,
  RevisionSummary,
  RevisionWriteOptions,
  StoreChange,
  StoredDocument,
  StoreLimits,
  StoreWatch,
  WatchOptions,
  WrappedDataKey,
} from "../block-store.js";
import { ChangeQueue } from "../change-queue.js";
import { decodeCursor, encodeCursor } from "../list-cursor.js";

/** Options of `createMemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Limits the store enforces.
   * @default { maxDocumentBytes: 1_048_576, revisionsKept: 50 }
   */
  limits?: Partial<StoreLimits>;
}

/** One kept revision. */
interface RevisionRecord {
  revision: number;
  data: JsonObject;
  schemaChecksum: string;
  schemaVersion: string;
  package: DefiningPackage | undefined;
  actor: string | undefined;
  references: string[];
  operation: RevisionSummary["operation"];
  restoredFrom: number | undefined;
  updatedAt: string;
}

/** One document: its identity and its kept revisions, oldest first. */
interface DocumentRecord {
  id: string;
  type: string;
  name: string;
  createdAt: string;
  dataKey: WrappedDataKey | null;
  revisions: RevisionRecord[];
}

type RevisionContent = Omit<RevisionRecord, "revision" | "updatedAt">;

/**
 * A deep copy through JSON, so values behave as in every serialising backend (`-0` becomes `0`,
 * `undefined` properties disappear).
 */
function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const slugOf = (document: { type: string; name: string }): string =>
  formatSlug(document.type, document.name);

const newest = (document: DocumentRecord): RevisionRecord => document.revisions.at(-1)!;

function compareSlugs(left: DocumentRecord, right: DocumentRecord): number {
  if (left.type !== right.type) return left.type < right.type ? -1 : 1;
  if (left.name !== right.name) return left.name < right.name ? -1 : 1;
  return 0;
}

/**
 * A `BlockStore` held in memory, for tests and short-lived tools. It implements the whole
 * contract (compare-and-swap, references and cycles, referrers, retention, the size limit,
 * pagination, rollback and rename as revisions, data keys, block types, metadata) and copies
 * every value in and out, so callers never share objects with it. Nothing survives the process.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): BlockStore {
  return new MemoryBlockStore(options);
}

class MemoryBlockStore implements BlockStore {
  readonly kind = "memory";
  readonly location = "memory";
  readonly limits: StoreLimits;
  readonly #documents = new Map<string, DocumentRecord>();
  readonly #ids = new Map<string, string>();
  readonly #blockTypes = new Map<string, BlockTypeRecord>();
  readonly #meta = new Map<string, string>();
  /** Every master key id recorded, in the order first recorded. */
  readonly #masterKeys = new Map<string, MasterKeyRecord>();
  #closed = false;
  readonly #watches = new Set<ChangeQueue>();

  constructor(options: MemoryStoreOptions) {
    this.limits = {
      maxDocumentBytes: options.limits?.maxDocumentBytes ?? 1_048_576,
      revisionsKept: Math.max(1, options.limits?.revisionsKept ?? 50),
    };
  }

  async get(
    ref: DocumentRef,
    options?: { revision?: number },
  ): Promise<StoredDocument | undefined> {
    this.#open();
    const document = this.#find(ref);
    if (!document) return undefined;
    const revision =
      options?.revision === undefined
        ? newest(document)
        : document.revisions.find((candidate) => candidate.revision === options.revision);
    return revision ? toStored(document, revision) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    this.#open();
    const found = new Map<string, StoredDocument>();
    for (const id of ids) {
      const document = this.#documents.get(id);
      if (document) found.set(id, toStored(document, newest(document)));
    }
    return found;
  }

  async put(input: PutDocumentInput): Promise<StoredDocument> {
    this.#open();
    checkActor(input.actor);
    const slug = slugOf(input);
    const json = JSON.stringify(input.data);
    const size = Buffer.byteLength(json, "utf8");
    if (size > this.limits.maxDocumentBytes) {
      throw new DocumentTooLargeError({ slug, size, limit: this.limits.maxDocumentBytes });
    }
    const data = JSON.parse(json) as JsonObject;
    const existing = this.#find({ type: input.type, name: input.name });
    const actual = existing ? newest(existing).revision : 0;
    if (input.expectedRevision !== undefined) {
      if (input.expectedRevision !== actual) {
        throw new RevisionConflictError({
          slug,
          expectedRevision: input.expectedRevision,
          actualRevision: actual,
        });
      }
    } else if (existing && !input.overwrite) {
      throw new BlockExistsError({ slug });
    }
    const id = existing?.id ?? input.id;
    const references = [...new Set(input.references)];
    this.#checkReferences(slug, id, references);
    // A data key the store keeps from this write: a new document's, or one added to a document
    // that had none (otherwise the stored key wins).
    const newDataKey = existing?.dataKey ? null : input.dataKey;
    if (newDataKey) this.#useMasterKey(newDataKey.masterKeyId);
    const content: RevisionContent = {
      data,
      schemaChecksum: input.schemaChecksum,
      schemaVersion: input.schemaVersion,
      package: input.package ? { ...input.package } : undefined,
      actor: input.actor,
      references,
      operation: "save",
      restoredFrom: undefined,
    };
    if (!existing) {
      if (this.#documents.has(id)) {
        const holder = this.#documents.get(id)!;
        throw new BlockExistsError({ slug: `${slugOf(holder)} (id ${id})` });
      }
      const now = new Date().toISOString();
      const document: DocumentRecord = {
        id,
        type: input.type,
        name: input.name,
        createdAt: now,
        dataKey: input.dataKey ? { ...input.dataKey } : null,
        revisions: [revisionRecord(content, 1, now)],
      };
      this.#documents.set(id, document);
      this.#ids.set(slug, id);
      this.#changed(document, 1, "save");
      return toStored(document, newest(document));
    }
    // The stored data key wins: secrets sealed under it stay readable, and a key re-wrapped by
    // rotation since the caller read the document is not undone.
    existing.dataKey ??= input.dataKey ? { ...input.dataKey } : null;
    return this.#append(existing, content);
  }

  async rollback(
    ref: DocumentRef,
    revision: number,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument> {
    this.#open();
    checkActor(options?.actor);
    const document = this.#require(ref);
    const slug = slugOf(document);
    this.#checkExpected(slug, options?.expectedRevision, newest(document).revision);
    const old = document.revisions.find((candidate) => candidate.revision === revision);
    if (!old) throw new BlockNotFoundError({ slug, closeMatches: [], revision });
    this.#checkReferences(slug, document.id, old.references);
    return this.#append(document, copyContent(old, "rollback", revision, options?.actor));
  }

  async rename(
    ref: DocumentRef,
    newName: string,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument> {
    this.#open();
    checkActor(options?.actor);
    const document = this.#require(ref);
    const head = newest(document);
    this.#checkExpected(slugOf(document), options?.expectedRevision, head.revision);
    if (newName === document.name) return toStored(document, head);
    const target = { type: document.type, name: newName };
    if (this.#find(target)) throw new BlockExistsError({ slug: slugOf(target) });
    this.#ids.delete(slugOf(document));
    document.name = newName;
    this.#ids.set(slugOf(document), document.id);
    return this.#append(document, copyContent(head, "rename", undefined, options?.actor));
  }

  async delete(ref: DocumentRef, options?: { force?: boolean }): Promise<boolean> {
    this.#open();
    const document = this.#find(ref);
    if (!document) return false;
    if (!options?.force) {
      const referrers = this.#referrers(document.id);
      if (referrers.length > 0) {
        throw new BlockReferencedError({
          slug: slugOf(document),
          referrers: referrers.map(slugOf),
        });
      }
    }
    this.#documents.delete(document.id);
    this.#ids.delete(slugOf(document));
    this.#changed(document, newest(document).revision, "delete");
    return true;
  }

  async list(options: ListDocumentsOptions = {}): Promise<Page<DocumentSummary>> {
    this.#open();
    const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 100)));
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const matching = [...this.#documents.values()]
      .filter((document) => options.type === undefined || document.type === options.type)
      .filter(
        (document) =>
          after === undefined ||
          document.type > after[0] ||
          (document.type === after[0] && document.name > after[1]),
      )
      .sort(compareSlugs);
    const items = matching.slice(0, limit).map(toSummary);
    const page: Page<DocumentSummary> = { items };
    const last = items.at(-1);
    if (matching.length > limit && last) page.nextCursor = encodeCursor(last.type, last.name);
    return page;
  }

  async history(ref: DocumentRef): Promise<RevisionSummary[]> {
    this.#open();
    const document = this.#require(ref);
    return document.revisions
      .map((revision): RevisionSummary => {
        const summary: RevisionSummary = {
          revision: revision.revision,
          schemaChecksum: revision.schemaChecksum,
          schemaVersion: revision.schemaVersion,
          updatedAt: revision.updatedAt,
          operation: revision.operation,
        };
        if (revision.restoredFrom !== undefined) summary.restoredFrom = revision.restoredFrom;
        if (revision.actor !== undefined) summary.actor = revision.actor;
        return summary;
      })
      .reverse();
  }

  async referrers(id: string): Promise<DocumentSummary[]> {
    this.#open();
    return this.#referrers(id).map(toSummary);
  }

  async putBlockType(record: BlockTypeRecord): Promise<void> {
    this.#open();
    this.#blockTypes.set(record.type, copyJson(record));
  }

  async getBlockType(type: string): Promise<BlockTypeRecord | undefined> {
    this.#open();
    const record = this.#blockTypes.get(type);
    return record ? copyJson(record) : undefined;
  }

  async listBlockTypes(): Promise<BlockTypeRecord[]> {
    this.#open();
    return [...this.#blockTypes.values()]
      .sort((left, right) => (left.type < right.type ? -1 : left.type > right.type ? 1 : 0))
      .map((record) => copyJson(record));
  }

  async listDataKeys(options: {
    notMasterKeyId: string;
    afterId?: string;
    limit?: number;
  }): Promise<Array<{ id: string; dataKey: WrappedDataKey }>> {
    this.#open();
    const limit = Math.min(10_000, Math.max(1, Math.trunc(options.limit ?? 100)));
    const afterId = options.afterId ?? "";
    return [...this.#documents.values()]
      .filter(
        (document) =>
          document.dataKey !== null &&
          document.dataKey.masterKeyId !== options.notMasterKeyId &&
          document.id > afterId,
      )
      .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
      .slice(0, limit)
      .map((document) => ({ id: document.id, dataKey: { ...document.dataKey! } }));
  }

  async replaceDataKey(
    id: string,
    expected: WrappedDataKey,
    next: WrappedDataKey,
  ): Promise<boolean> {
    this.#open();
    const document = this.#documents.get(id);
    if (
      !document?.dataKey ||
      document.dataKey.masterKeyId !== expected.masterKeyId ||
      document.dataKey.wrapped !== expected.wrapped
    ) {
      return false;
    }
    this.#useMasterKey(next.masterKeyId);
    document.dataKey = { masterKeyId: next.masterKeyId, wrapped: next.wrapped };
    return true;
  }

  async listMasterKeys(): Promise<MasterKeyRecord[]> {
    this.#open();
    return [...this.#masterKeys.values()].map((record) => ({ ...record }));
  }

  async setCurrentMasterKey(
    id: string,
    options?: { expectedCurrent?: string | null },
  ): Promise<boolean> {
    this.#open();
    const current = this.#currentMasterKey();
    if (options?.expectedCurrent !== undefined && (current ?? null) !== options.expectedCurrent) {
      return false;
    }
    for (const record of this.#masterKeys.values()) record.current = false;
    this.#record(id).current = true;
    return true;
  }

  #currentMasterKey(): string | undefined {
    for (const record of this.#masterKeys.values()) if (record.current) return record.id;
    return undefined;
  }

  #record(id: string): MasterKeyRecord {
    let record = this.#masterKeys.get(id);
    if (!record) {
      record = { id, current: false, firstUsedAt: new Date().toISOString() };
      this.#masterKeys.set(id, record);
    }
    return record;
  }

  /** Refuses a data key wrapped by a master key other than the current one; records its id. */
  #useMasterKey(masterKeyId: string): void {
    const current = this.#currentMasterKey();
    if (current !== undefined && current !== masterKeyId) {
      throw new MasterKeyNotCurrentError({
        location: this.location,
        masterKeyId,
        currentMasterKeyId: current,
      });
    }
    this.#record(masterKeyId);
  }

  async getMeta(key: string): Promise<string | undefined> {
    this.#open();
    return this.#meta.get(key);
  }

  async setMeta(
    key: string,
    value: string,
    options?: { expected?: string | null },
  ): Promise<boolean> {
    this.#open();
    const expected = options?.expected;
    if (expected !== undefined && (this.#meta.get(key) ?? null) !== expected) return false;
    this.#meta.set(key, value);
    return true;
  }

  async watch(options: WatchOptions = {}): Promise<StoreWatch> {
    this.#open();
    const queue: ChangeQueue = new ChangeQueue(options, async () => {
      this.#watches.delete(queue);
    });
    this.#watches.add(queue);
    return queue;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.close()));
  }

  #changed(document: DocumentRecord, revision: number, operation: StoreChange["operation"]): void {
    const change: StoreChange = {
      id: document.id,
      type: document.type,
      name: document.name,
      revision,
      operation,
    };
    for (const watch of this.#watches) watch.push(change);
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError({ location: this.location });
  }

  #find(ref: DocumentRef): DocumentRecord | undefined {
    const id = "id" in ref ? ref.id : this.#ids.get(slugOf(ref));
    return id === undefined ? undefined : this.#documents.get(id);
  }

  #require(ref: DocumentRef): DocumentRecord {
    const document = this.#find(ref);
    if (!document) throw new BlockNotFoundError({ slug: "id" in ref ? ref.id : slugOf(ref) });
    return document;
  }

  #checkExpected(slug: string, expected: number | undefined, actual: number): void {
    if (expected !== undefined && expected !== actual) {
      throw new RevisionConflictError({ slug, expectedRevision: expected, actualRevision: actual });
    }
  }

  #append(document: DocumentRecord, content: RevisionContent): StoredDocument {
    const revision = revisionRecord(
      content,
      newest(document).revision + 1,
      new Date().toISOString(),
    );
    document.revisions.push(revision);
    const excess = document.revisions.length - this.limits.revisionsKept;
    if (excess > 0) document.revisions.splice(0, excess);
    this.#changed(document, revision.revision, revision.operation);
    return toStored(document, revision);
  }

  #referrers(id: string): DocumentRecord[] {
    return [...this.#documents.values()]
      .filter((document) => document.id !== id && newest(document).references.includes(id))
      .sort(compareSlugs);
  }

  /** Every reference must exist, and none may lead back to `id` (breadth-first walk). */
  #checkReferences(slug: string, id: string, references: readonly string[]): void {
    if (references.includes(id)) throw new ReferenceCycleError({ slug, cycle: [slug, slug] });
    for (const target of references) {
      if (!this.#documents.has(target)) throw new ReferenceNotFoundError({ slug, missing: target });
    }
    const parents = new Map<string, string | null>(references.map((target) => [target, null]));
    const queue = [...references];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (current === id) {
        const path: string[] = [];
        for (let step = parents.get(id); step; step = parents.get(step)) {
          const document = this.#documents.get(step);
          path.unshift(document ? slugOf(document) : step);
        }
        throw new ReferenceCycleError({ slug, cycle: [slug, ...path, slug] });
      }
      const document = this.#documents.get(current);
      for (const next of document ? newest(document).references : []) {
        if (!parents.has(next)) {
          parents.set(next, current);
          queue.push(next);
        }
      }
    }
  }
}

/** A revision from its content (built literally: a spread plus properties is slow on Node 20). */
function revisionRecord(
  content: RevisionContent,
  revision: number,
  updatedAt: string,
): RevisionRecord {
  return {
    revision,
    data: content.data,
    schemaChecksum: content.schemaChecksum,
    schemaVersion: content.schemaVersion,
    package: content.package,
    actor: content.actor,
    references: content.references,
    operation: content.operation,
    restoredFrom: content.restoredFrom,
    updatedAt,
  };
}

/** The content of a kept revision, copied for a rollback or rename. */
function copyContent(
  from: RevisionRecord,
  operation: RevisionSummary["operation"],
  restoredFrom: number | undefined,
  actor: string | undefined,
): RevisionContent {
  return {
    data: copyJson(from.data),
    schemaChecksum: from.schemaChecksum,
    schemaVersion: from.schemaVersion,
    package: from.package ? { ...from.package } : undefined,
    actor,
    references: [...from.references],
    operation,
    restoredFrom,
  };
}

function toStored(document: DocumentRecord, revision: RevisionRecord): StoredDocument {
  const stored: StoredDocument = {
    id: document.id,
    type: document.type,
    name: document.name,
    revision: revision.revision,
    data: copyJson(revision.data),
    schemaChecksum: revision.schemaChecksum,
    schemaVersion: revision.schemaVersion,
    references: [...revision.references],
    dataKey: document.dataKey ? { ...document.dataKey } : null,
    createdAt: document.createdAt,
    updatedAt: revision.updatedAt,
  };
  if (revision.package) stored.package = { ...revision.package };
  if (revision.actor !== undefined) stored.actor = revision.actor;
  return stored;
}

function toSummary(document: DocumentRecord): DocumentSummary {
  const head = newest(document);
  return {
    id: document.id,
    type: document.type,
    name: document.name,
    revision: head.revision,
    schemaVersion: head.schemaVersion,
    createdAt: document.createdAt,
    updatedAt: head.updatedAt,
  };
}
