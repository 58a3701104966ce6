import { createHash } from "node:crypto";
import {
  InvalidInputError,
  type StoreContentCounts,
  StoreCopyMismatchError,
} from "../errors/index.js";
import type {
  BlockStore,
  DocumentSummary,
  MasterKeyRecord,
  RevisionSummary,
  StoredDocument,
  WrappedDataKey,
} from "./block-store.js";

/** One revision of a copied document, exactly as stored. */
interface CopiedRevision {
  revision: number;
  dataJson: string;
  schemaChecksum: string;
  schemaVersion: string;
  packageJson: string | null;
  /** Who wrote the revision; `null` when it records no one. */
  actor: string | null;
  references: string[];
  operation: RevisionSummary["operation"];
  restoredFrom: number | null;
  updatedAt: string;
}

/** A document with every revision its store keeps, as a store copy moves it. */
export interface CopiedDocument {
  id: string;
  type: string;
  name: string;
  createdAt: string;
  dataKey: WrappedDataKey | null;
  /** Oldest first; the last one is the newest. */
  revisions: CopiedRevision[];
}

/**
 * What a store must offer to be the destination of `copyStore`: rows written as they are (ids,
 * revision numbers, dates and wrapped data keys kept), each document in one transaction, and a
 * document already there skipped, so a copy run again resumes.
 */
export interface CopyDestination {
  /** Writes the document and its revisions; `false` when the same document is already there. */
  copyInDocument(document: CopiedDocument): Promise<boolean>;
  /** Records the newest revision's references of `id` (every referenced document is there). */
  copyInReferences(id: string, references: readonly string[]): Promise<void>;
  /** Records master key ids (and the current one, when the destination has none). */
  copyInMasterKeys(records: readonly MasterKeyRecord[]): Promise<void>;
}

/** Settings of `copyStore`. */
export interface CopyStoreOptions {
  /** Called after each document with how many have been handled so far. @default undefined */
  onProgress?: (handled: number) => void;
}

/** What `copyStore` did. */
export interface CopyStoreResult extends StoreContentCounts {
  /** Documents written by this run. */
  copied: number;
  /** Documents found already copied (by an earlier, interrupted run) and skipped. */
  alreadyThere: number;
  /** The SHA-256 of the content both stores were found to hold. */
  checksum: string;
}

function isCopyDestination(store: BlockStore): store is BlockStore & CopyDestination {
  const candidate = store as Partial<CopyDestination>;
  return (
    typeof candidate.copyInDocument === "function" &&
    typeof candidate.copyInReferences === "function" &&
    typeof candidate.copyInMasterKeys === "function"
  );
}

/** Every document summary of a store, in (type, name) order. */
async function* allDocuments(store: BlockStore): AsyncGenerator<DocumentSummary> {
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** A document with the revisions its store keeps (`undefined` when it went away meanwhile). */
async function readDocument(
  store: BlockStore,
  summary: DocumentSummary,
): Promise<CopiedDocument | undefined> {
  const ref = { id: summary.id };
  const history = await store.history(ref).catch(() => undefined);
  if (history === undefined) return undefined;
  const revisions: CopiedRevision[] = [];
  let newest: StoredDocument | undefined;
  for (const entry of [...history].sort((a, b) => a.revision - b.revision)) {
    const stored = await store.get(ref, { revision: entry.revision });
    if (stored === undefined) continue;
    newest = stored;
    revisions.push({
      revision: entry.revision,
      dataJson: JSON.stringify(stored.data),
      schemaChecksum: stored.schemaChecksum,
      schemaVersion: stored.schemaVersion,
      packageJson: stored.package === undefined ? null : JSON.stringify(stored.package),
      actor: stored.actor ?? null,
      references: [...stored.references],
      operation: entry.operation,
      restoredFrom: entry.restoredFrom ?? null,
      updatedAt: stored.updatedAt,
    });
  }
  if (newest === undefined) return undefined;
  return {
    id: newest.id,
    type: newest.type,
    name: newest.name,
    createdAt: newest.createdAt,
    dataKey: newest.dataKey,
    revisions,
  };
}

/** Counts and a SHA-256 over everything a copy moves, read through the `BlockStore` contract. */
class ContentDigest {
  readonly #hash = createHash("sha256");
  readonly counts: StoreContentCounts = {
    documents: 0,
    revisions: 0,
    blockTypes: 0,
    dataKeys: 0,
    masterKeys: 0,
  };

  document(document: CopiedDocument): void {
    this.counts.documents++;
    this.counts.revisions += document.revisions.length;
    if (document.dataKey !== null) this.counts.dataKeys++;
    this.#hash.update(
      `${JSON.stringify([
        document.id,
        document.type,
        document.name,
        document.createdAt,
        document.dataKey,
        document.revisions,
      ])}\n`,
    );
  }

  other(kind: "blockTypes" | "masterKeys", value: unknown): void {
    this.counts[kind]++;
    this.#hash.update(`${kind} ${JSON.stringify(value)}\n`);
  }

  digest(): string {
    return this.#hash.digest("hex");
  }
}

async function digestOf(store: BlockStore): Promise<ContentDigest> {
  const digest = new ContentDigest();
  for await (const summary of allDocuments(store)) {
    const document = await readDocument(store, summary);
    if (document !== undefined) digest.document(document);
  }
  for (const record of await store.listBlockTypes()) digest.other("blockTypes", record);
  for (const key of await store.listMasterKeys()) {
    digest.other("masterKeys", [key.id, key.current]);
  }
  return digest;
}

/**
 * Copies every document (with each revision its store keeps, ids, dates and wrapped data key),
 * every block type record and the master key ids of `from` into `to` (a PostgreSQL store), then
 * reads both back and compares counts and a SHA-256 of their contents: a difference is
 * `STORE_COPY_MISMATCH` naming both counts.
 *
 * Secrets are moved as stored: sealed values and wrapped data keys are copied byte for byte,
 * never decrypted, so the destination opens them with the same master keys. Each document is
 * written in its own transaction and one already there is skipped, so a copy that was interrupted
 * resumes when run again, without duplicates. Stop writers of `from` while it runs.
 */
export async function copyStore(
  from: BlockStore,
  to: BlockStore,
  options: CopyStoreOptions = {},
): Promise<CopyStoreResult> {
  if (!isCopyDestination(to)) {
    throw new InvalidInputError({
      subject: "to",
      message: `The ${to.kind} store at ${to.location} cannot be the destination of a store copy. Copy into a PostgreSQL store (openPostgresStore, or tessera store copy --to postgres://…).`,
    });
  }
  await to.copyInMasterKeys(await from.listMasterKeys());
  for (const record of await from.listBlockTypes()) await to.putBlockType(record);
  const source = new ContentDigest();
  const withReferences: Array<[string, string[]]> = [];
  let copied = 0;
  let alreadyThere = 0;
  for await (const summary of allDocuments(from)) {
    const document = await readDocument(from, summary);
    if (document === undefined) continue;
    source.document(document);
    if (await to.copyInDocument(document)) copied++;
    else alreadyThere++;
    const references = document.revisions.at(-1)!.references;
    if (references.length > 0) withReferences.push([document.id, references]);
    options.onProgress?.(copied + alreadyThere);
  }
  // After every document: a reference is a foreign key to a document already copied.
  for (const [id, references] of withReferences) await to.copyInReferences(id, references);
  for (const record of await from.listBlockTypes()) source.other("blockTypes", record);
  for (const key of await from.listMasterKeys()) source.other("masterKeys", [key.id, key.current]);
  const sourceChecksum = source.digest();
  const destination = await digestOf(to);
  const destinationChecksum = destination.digest();
  if (destinationChecksum !== sourceChecksum) {
    const sameCounts = JSON.stringify(source.counts) === JSON.stringify(destination.counts);
    throw new StoreCopyMismatchError({
      from: from.location,
      to: to.location,
      source: source.counts,
      destination: destination.counts,
      problem: sameCounts
        ? "the counts agree but the checksums of their contents differ"
        : "their counts differ",
    });
  }
  return { ...source.counts, copied, alreadyThere, checksum: sourceChecksum };
}
