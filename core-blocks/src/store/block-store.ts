import type { JsonObject } from "../schema/json.js";

/**
 * Which document a call is about: by slug parts, or by its immutable id (ids survive renames, so
 * references between documents use them).
 */
export type DocumentRef = { type: string; name: string } | { id: string };

/** The integration package that defines a block type, as recorded in the store. */
export interface DefiningPackage {
  /** npm package name, such as `@tessera/aws`. */
  name: string;
  /** The package version that last registered the type. */
  version: string;
  /** The `@tessera/core` range the package supports. */
  coreRange: string;
}

/** A block type as recorded in the store (`putBlockType`). */
export interface BlockTypeRecord {
  /** Type slug, such as `s3-bucket`. */
  type: string;
  title: string;
  description: string;
  documentationUrl?: string;
  logoUrl?: string;
  capabilities: string[];
  /** Schema version (semver). */
  schemaVersion: string;
  /** `sha256:<hex>` of the canonical JSON Schema. */
  checksum: string;
  /** The JSON Schema (draft 2020-12), secret fields marked `writeOnly` + `format: "password"`. */
  jsonSchema: JsonObject;
  /** Dotted paths of secret fields (`token`, `credentials.secretAccessKey`, `headers.*`). */
  secretFields: string[];
  /** The package that defines the type; absent for types defined by the user's own code. */
  package?: DefiningPackage;
  /** When the type was last registered (ISO 8601). */
  registeredAt: string;
}

/** The envelope key of one document: its data key wrapped by a master key. */
export interface WrappedDataKey {
  /** Id of the master key that wrapped the data key. */
  masterKeyId: string;
  /** The wrapped data key, in the secrets module's versioned format (opaque to stores). */
  wrapped: string;
}

/** A master key as a store records it: its id only, never the key. */
export interface MasterKeyRecord {
  /** The master key id (a fingerprint, safe to print). */
  id: string;
  /** True for the one key new data keys must be wrapped by. */
  current: boolean;
  /** When the store first recorded the key (ISO 8601). */
  firstUsedAt: string;
}

/** One revision of one document, as stored. Secret values in `data` are ciphertext only. */
export interface StoredDocument {
  /** Immutable id, assigned at creation, kept across renames. */
  id: string;
  type: string;
  name: string;
  /** 1 for the first save, +1 for every save after. */
  revision: number;
  /**
   * The document's fields. Secret fields hold the secrets module's sealed form or a reference;
   * saved nested blocks hold `{ "$ref": "<document id>" }`.
   */
  data: JsonObject;
  /** Checksum of the schema this revision was saved with. */
  schemaChecksum: string;
  /** Schema version this revision was saved with. */
  schemaVersion: string;
  /** The integration package (and version) that wrote this revision, when known. */
  package?: DefiningPackage;
  /**
   * Who wrote this revision, as the writer gave it (`token:deploy-bot` for a server token,
   * `user:alice` for a local user); absent when the writer gave none, and for revisions written
   * before stores recorded actors.
   */
  actor?: string;
  /**
   * Ids of the documents this revision references: its saved nested blocks, and the blocks its
   * secret references (`{ "$reference": "secret/<name>" }`) point at.
   */
  references: string[];
  /** The document's data key, when it has secrets (`null` when it has none). */
  dataKey: WrappedDataKey | null;
  /** When the document was created (ISO 8601). */
  createdAt: string;
  /** When this revision was saved (ISO 8601). */
  updatedAt: string;
}

/** What `put` writes. The store assigns `revision` and timestamps. */
export interface PutDocumentInput {
  /**
   * The id to create the document with (so secrets can be sealed against it before the write).
   * Ignored when the document already exists; the existing id is kept.
   */
  id: string;
  type: string;
  name: string;
  data: JsonObject;
  schemaChecksum: string;
  schemaVersion: string;
  package?: DefiningPackage;
  /**
   * Who writes this revision, recorded with it for the audit trail (`history`): free text of 1 to
   * 200 characters, by convention `token:<token name>` or `user:<user name>`. A longer one is
   * refused with `INVALID_INPUT` and nothing is written. A store behind `tessera server` records
   * the server's choice (the name of the request's token) instead of this one.
   * @default undefined (the revision records no actor)
   */
  actor?: string;
  references: string[];
  /** The data key. On an existing document it must equal the stored one (or be `null`). */
  dataKey: WrappedDataKey | null;
  /**
   * Compare-and-swap: the revision the caller last saw. `0` means "create only". When set and the
   * stored revision differs, the write fails with `REVISION_CONFLICT` naming both revisions.
   * @default undefined (no check)
   */
  expectedRevision?: number;
  /**
   * Replace an existing document. Without it (and without `expectedRevision`), writing over an
   * existing name fails with `BLOCK_EXISTS`.
   * @default false
   */
  overwrite?: boolean;
}

/** Options of `rollback` and `rename`, which write a new revision. */
export interface RevisionWriteOptions {
  /**
   * Compare-and-swap: the revision the caller last saw; when the stored one differs, the write
   * fails with `REVISION_CONFLICT` naming both.
   * @default undefined (no check)
   */
  expectedRevision?: number;
  /**
   * Who writes the new revision, as in `PutDocumentInput.actor`: 1 to 200 characters, else
   * `INVALID_INPUT` and nothing is written.
   * @default undefined (the revision records no actor)
   */
  actor?: string;
}

/** A document in a listing: enough to show a table, no field values. */
export interface DocumentSummary {
  id: string;
  type: string;
  name: string;
  revision: number;
  schemaVersion: string;
  createdAt: string;
  updatedAt: string;
}

/** One entry of a document's revision history. */
export interface RevisionSummary {
  revision: number;
  schemaChecksum: string;
  schemaVersion: string;
  updatedAt: string;
  /** What made the revision: a save, a rollback (to which revision), a rename. */
  operation: "save" | "rollback" | "rename";
  /** For a rollback, the revision it restored. */
  restoredFrom?: number;
  /**
   * Who wrote this revision, as the writer gave it (`token:deploy-bot` for a server token,
   * `user:alice` for a local user); absent when the writer gave none, and for revisions written
   * before stores recorded actors.
   */
  actor?: string;
}

/** A page of results and the cursor of the next page. */
export interface Page<T> {
  items: T[];
  /** Pass to the next call to continue; absent on the last page. */
  nextCursor?: string;
}

/** Options of `list`. */
export interface ListDocumentsOptions {
  /** Only documents of this type. @default undefined (all types) */
  type?: string;
  /** Page size, 1–1000. @default 100 */
  limit?: number;
  /** From a previous page's `nextCursor`. @default undefined (first page) */
  cursor?: string;
}

/**
 * One committed change to a document, as `BlockStore.watch` yields it. A `resync` is not a
 * change: the watch may have missed changes (its connection was lost and made again, or it fell
 * further behind than the store's change log reaches); it comes to every watch whatever its
 * `slugs` and `types`, with `id`, `type` and `name` empty and `revision` 0. Reload what you follow.
 */
export interface StoreChange {
  id: string;
  type: string;
  /** The document's name after the change (the new name for a rename). */
  name: string;
  /** The revision the change wrote; for a delete, the revision the document had. */
  revision: number;
  operation: RevisionSummary["operation"] | "delete" | "resync";
}

/** The `resync` marker a watch yields when it may have missed changes (see `StoreChange`). */
export const resyncChange: Readonly<StoreChange> = Object.freeze({
  id: "",
  type: "",
  name: "",
  revision: 0,
  operation: "resync",
});

/** Options of `BlockStore.watch`. Without `slugs` or `types`, every change is yielded. */
export interface WatchOptions {
  /** Only changes to these documents (`type/name`). @default undefined (every document) */
  slugs?: readonly string[];
  /** Only changes to documents of these types. @default undefined (every type) */
  types?: readonly string[];
}

/** A running watch: an async iterable of changes, ended by `close()` (or by leaving a `for await`). */
export interface StoreWatch extends AsyncIterable<StoreChange> {
  close(): Promise<void>;
}

/** Limits a store enforces. */
export interface StoreLimits {
  /** Largest accepted `data`, in bytes of its JSON. @default 1_048_576 (1 MiB) */
  maxDocumentBytes: number;
  /** Revisions kept per document; older ones are pruned on save. @default 50 */
  revisionsKept: number;
}

/**
 * Where block documents live. Every backend (memory, SQLite, PostgreSQL, the HTTP client of
 * `tessera server`) implements this contract and passes `describeBlockStore` unchanged.
 *
 * All methods are async, even on embedded backends, so network backends fit. Every method is
 * atomic: a failed call changes nothing. Slug parts passed in are already validated and canonical
 * (lower case) by the caller; stores still never interpolate them into SQL or paths.
 *
 * Master keys: the store records the id of every master key that ever wrapped a data key it
 * stored, and which one is current (`listMasterKeys`, `setCurrentMasterKey`). Once a current key
 * is recorded, a write that would store a data key wrapped by another master key — a new
 * document's, one added to a document that had none, or `replaceDataKey`'s `next` — fails with
 * `MASTER_KEY_NOT_CURRENT` and writes nothing; the check runs in the write's transaction, so a
 * process that missed a key rotation can never add data under a key about to be retired.
 *
 * Errors are Tessera errors: `BLOCK_NOT_FOUND`, `BLOCK_EXISTS`, `REVISION_CONFLICT`,
 * `BLOCK_REFERENCED`, `REFERENCE_CYCLE`, `REFERENCE_NOT_FOUND`, `DOCUMENT_TOO_LARGE`,
 * `MASTER_KEY_NOT_CURRENT`, and `INVALID_INPUT` for an actor longer than 200 characters.
 *
 * Actors: `put`, `rollback` and `rename` record the `actor` they are given with the revision they
 * write (an audit trail), and `get` and `history` return it; a store behind `tessera server`
 * records the name of the request's token instead.
 */
export interface BlockStore {
  /** Backend name: `memory`, `sqlite`, `postgres`, `http`. */
  readonly kind: string;
  /** Where the store lives, for messages (a file path, a URL without credentials). */
  readonly location: string;
  /** The limits this store enforces. */
  readonly limits: StoreLimits;

  /**
   * The newest revision of a document, or the given revision; `undefined` when there is no such
   * document or the revision was pruned.
   */
  get(ref: DocumentRef, options?: { revision?: number }): Promise<StoredDocument | undefined>;

  /** The newest revisions of several documents by id, in one round trip; missing ids are absent. */
  getMany(ids: readonly string[]): Promise<Map<string, StoredDocument>>;

  /**
   * Writes a new revision (or creates the document at revision 1). The document row and its
   * revision row commit together. Checks in the same transaction: compare-and-swap, overwrite,
   * the size limit, that every id in `references` exists (`REFERENCE_NOT_FOUND`) and that no
   * reference leads back to this document (`REFERENCE_CYCLE`). Prunes revisions beyond
   * `limits.revisionsKept`.
   */
  put(input: PutDocumentInput): Promise<StoredDocument>;

  /**
   * Writes an older revision's content as the newest revision (`operation: "rollback"`). Same
   * checks as `put`. `BLOCK_NOT_FOUND` when the revision was pruned.
   */
  rollback(
    ref: DocumentRef,
    revision: number,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument>;

  /**
   * Moves a document to a new name in the same type, keeping its id and history, so documents
   * that reference it keep working. `BLOCK_EXISTS` when the new name is taken.
   */
  rename(
    ref: DocumentRef,
    newName: string,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument>;

  /**
   * Deletes a document and all its revisions. Refused with `BLOCK_REFERENCED` (naming the
   * referrers' slugs) while other documents' newest revisions reference it, unless `force`.
   * Returns false when there was nothing to delete.
   */
  delete(ref: DocumentRef, options?: { force?: boolean }): Promise<boolean>;

  /** Documents ordered by type, then name. */
  list(options?: ListDocumentsOptions): Promise<Page<DocumentSummary>>;

  /** A document's kept revisions, newest first. */
  history(ref: DocumentRef): Promise<RevisionSummary[]>;

  /** Documents whose newest revision references the given id. */
  referrers(id: string): Promise<DocumentSummary[]>;

  /** Records (or replaces) a block type. */
  putBlockType(record: BlockTypeRecord): Promise<void>;
  /** A recorded block type, or `undefined`. */
  getBlockType(type: string): Promise<BlockTypeRecord | undefined>;
  /** Every recorded block type, ordered by type. */
  listBlockTypes(): Promise<BlockTypeRecord[]>;

  /**
   * Documents whose data key is wrapped by a master key other than `masterKeyId`, for key
   * rotation. Ordered by id; page with `afterId`.
   */
  listDataKeys(options: {
    notMasterKeyId: string;
    afterId?: string;
    limit?: number;
  }): Promise<Array<{ id: string; dataKey: WrappedDataKey }>>;

  /**
   * Replaces a document's wrapped data key if it still equals `expected` (compare-and-swap), and
   * returns whether it did. Does not create a revision. `next` must be wrapped by the current
   * master key when one is recorded (else `MASTER_KEY_NOT_CURRENT`, nothing changed); its id is
   * recorded as used.
   */
  replaceDataKey(id: string, expected: WrappedDataKey, next: WrappedDataKey): Promise<boolean>;

  /**
   * Every master key id the store has ever recorded, oldest first, with the current one marked:
   * each id that wrapped a data key the store stored (recorded by the same write) and each id made
   * current. Ids stay recorded after their documents are gone or re-wrapped, so a key that went
   * missing can be reported.
   */
  listMasterKeys(): Promise<MasterKeyRecord[]>;

  /**
   * Makes `id` the current master key (recording it when new), in one transaction. With
   * `expectedCurrent` it is a compare-and-swap: nothing changes, and it returns false, unless the
   * current id is `expectedCurrent` (`null`: no current key recorded yet). Returns true otherwise.
   */
  setCurrentMasterKey(id: string, options?: { expectedCurrent?: string | null }): Promise<boolean>;

  /**
   * Small key/value metadata of the store itself (for example the secrets module's key
   * fingerprints). Never holds secrets.
   */
  getMeta(key: string): Promise<string | undefined>;
  /**
   * Writes a metadata value. With `expected`, a compare-and-swap: writes only when the stored
   * value is still `expected` (`null`: only when the key has no value), and returns false,
   * writing nothing, when it is not. Returns true when it wrote.
   */
  setMeta(key: string, value: string, options?: { expected?: string | null }): Promise<boolean>;

  /**
   * Optional capability: a feed of committed changes. Resolves once the watch is listening, so
   * every change committed after that is yielded, in commit order, from any process sharing the
   * store (PostgreSQL `LISTEN/NOTIFY`; SQLite polls its change log, for processes on one machine).
   * A watch holds its own connection until closed; closing the store ends it. When changes may
   * have been missed, the watch yields a `resync` marker instead of ending.
   */
  watch?(options?: WatchOptions): Promise<StoreWatch>;

  /** Releases the connection or file handle. Further calls fail. */
  close(): Promise<void>;
}
