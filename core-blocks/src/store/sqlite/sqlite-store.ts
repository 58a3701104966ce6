import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { Database } from "better-sqlite3";
import { formatSlug } from "../../block/slug.js";
import {
  BlockExistsError,
  BlockNotFoundError,
  BlockReferencedError,
  DocumentTooLargeError,
  InvalidInputError,
  MasterKeyNotCurrentError,
  ReferenceCycleError,
  ReferenceNotFoundError,
  RevisionConflictError,
  StoreBusyError,
  StoreClosedError,
  StoreCorruptedError,
  StoreReadOnlyError,
  StoreTooNewError,
  StoreUnavailableError,
  StoreWriteFailedError,
} from "../../errors/index.js";
import type { JsonObject } from "../../schema/index.js";
import { checkActor } from "../actor.js";
import {
  type BlockStore,
  type BlockTypeRecord,
  type DefiningPackage,
  type DocumentRef,
  type DocumentSummary,
  type ListDocumentsOptions,
  type MasterKeyRecord,
  type Page,
  type PutDocumentInput,
  type RevisionSummary,
  type RevisionWriteOptions,
  resyncChange,
  type StoreChange,
  type StoredDocument,
  type StoreLimits,
  type StoreWatch,
  type WatchOptions,
  type WrappedDataKey,
} from "../block-store.js";
import { ChangeQueue } from "../change-queue.js";
import { decodeCursor, encodeCursor } from "../list-cursor.js";
import { migrateSqliteStore, sqliteStoreVersion } from "./migrations.js";
import {
  CorruptRowError,
  parseColumn,
  toDataKey,
  toDocument,
  toRevisionSummary,
  toSummary,
} from "./sqlite-rows.js";
import {
  type DocumentRow,
  type HeadRow,
  prepareStatements,
  type Statements,
} from "./sqlite-statements.js";

/** Settings of `openSqliteStore`. */
export interface SqliteStoreOptions {
  /** The database file. Its folder is created when missing. */
  path: string;
  /**
   * Limits the store enforces.
   * @default { maxDocumentBytes: 1_048_576, revisionsKept: 50 }
   */
  limits?: Partial<StoreLimits>;
  /**
   * How long a write waits for another process's write transaction before failing with
   * `STORE_BUSY`, in ms. The wait never blocks the event loop for more than 100 ms at a time.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` setting. `normal` (with WAL) keeps every acknowledged write through a
   * crash or kill of the process; a power loss may drop the last few acknowledged writes but never
   * corrupts the file. `full` also keeps them through a power loss, at the cost of one fsync per
   * write.
   * @default "normal"
   */
  synchronous?: "normal" | "full";
  /**
   * How often a `watch` checks the file for changes other processes committed, in ms. A check is
   * one `PRAGMA data_version` (microseconds); the change log is read only when it moved. Changes
   * this process makes are seen at once.
   * @default 100
   */
  watchIntervalMs?: number;
}

/** The SQLite `BlockStore`, plus what only an embedded file can offer. */
export interface SqliteBlockStore extends BlockStore {
  readonly kind: "sqlite";
  /**
   * True when the file was opened for reading only, because this process may not write it (or its
   * folder): reads work, and every write fails with `STORE_READ_ONLY`.
   */
  readonly readOnly: boolean;
  /**
   * Writes many documents in ONE transaction, with every check `put` makes (so a failure writes
   * none of them). Much faster than one `put` per document when filling or copying a store.
   * `inputs` is read lazily, once the write lock is held, so a generator keeps memory flat
   * however many documents it yields. Returns how many were written.
   */
  importDocuments(inputs: Iterable<PutDocumentInput>): Promise<number>;
}

/**
 * The longest one attempt waits for a lock inside SQLite. better-sqlite3 is synchronous, so that
 * wait blocks the event loop; longer waits are made of several attempts with async pauses between.
 */
const maxBlockingWaitMs = 100;

/** Revisions beyond the kept window are deleted every this many saves of a document. */
const pruneBatch = 16;

/**
 * The change log `watch` reads keeps at least this many of the newest changes: every
 * `changeLogPruneBatch`th change deletes the ones older than that, in the same transaction, so the
 * table stays between 10,000 and 11,000 rows whatever the write rate. A watch that falls further
 * behind than that (a process paused for a long time) yields a `resync` instead of the changes.
 */
const changeLogKept = 10_000;
const changeLogPruneBatch = 1_000;

/** Default limits of a store (`StoreLimits`). */
export const defaultStoreLimits: StoreLimits = {
  maxDocumentBytes: 1_048_576,
  revisionsKept: 50,
};

/**
 * Opens (creating when missing, with its folder) the embedded SQLite block store at `path`.
 * better-sqlite3 is loaded here, on first use, so processes that use another backend never load
 * it. The file uses WAL, so readers never block the writer; concurrent writers (other processes)
 * wait `busyTimeoutMs` and are retried. A file written by a newer Tessera is refused with
 * `STORE_TOO_NEW`.
 *
 * A file this process can read but not write (the file, its folder or its -wal/-shm files are not
 * writable by this user) is opened read-only: reads work and every write fails with
 * `STORE_READ_ONLY`. A damaged file (not a database, a corrupt page, a row that does not parse, or
 * a 0-byte file beside a key file that holds keys) is `STORE_CORRUPTED`; a folder that cannot be
 * created is `STORE_UNAVAILABLE`. Both name the file and what to do.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteBlockStore> {
  const location = resolve(options.path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const watchIntervalMs = options.watchIntervalMs ?? 100;
  if (!Number.isSafeInteger(watchIntervalMs) || watchIntervalMs < 1) {
    throw new InvalidInputError({
      subject: "watchIntervalMs",
      message: `The SQLite store setting watchIntervalMs must be a whole number of at least 1 (got ${String(watchIntervalMs)}). Omit it to use the default (100).`,
    });
  }
  const limits: StoreLimits = { ...defaultStoreLimits, ...options.limits };
  for (const [setting, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidInputError({
        subject: `limits.${setting}`,
        message: `The store limit ${setting} must be a whole number of at least 1 (got ${String(value)}). Omit it to use the default (${defaultStoreLimits[setting as keyof StoreLimits]}).`,
      });
    }
  }
  // Loaded here, not at the top of the module, so that only this backend ever loads the driver.
  const DatabaseConstructor = createRequire(import.meta.url)(
    "better-sqlite3",
  ) as typeof import("better-sqlite3");
  // A new folder and file are private to the user, like the key file beside them: documents
  // hold configuration (hosts, accounts, bucket names) even though their secrets are encrypted.
  const folder = dirname(location);
  const isNew = createIfMissing(location, folder);
  if (!isNew) {
    warnIfShared(location);
    await refuseEmptiedFile(location);
  }
  const readOnly = !isNew && !isWritable(location, folder);
  const timeout = Math.min(busyTimeoutMs, maxBlockingWaitMs);
  let database: Database;
  try {
    database = readOnly
      ? openReadOnly(DatabaseConstructor, location, timeout)
      : new DatabaseConstructor(location, { timeout });
  } catch (error) {
    throw asStoreError(location, error, readOnly);
  }
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      if (readOnly) {
        checkReadableVersion(database, location);
      } else {
        database.pragma("journal_mode = WAL");
        database.pragma(
          options.synchronous === "full" ? "synchronous = FULL" : "synchronous = NORMAL",
        );
        // After a large import the WAL file is cut back to this size once checkpointed.
        database.pragma("journal_size_limit = 67108864");
        // Two processes opening a new file at once: one migrates, the other waits and sees it done.
        migrateSqliteStore(database, location);
      }
      database.pragma("foreign_keys = OFF");
      // Deleted rows (a secret's ciphertext, a wrapped data key) are overwritten, not left in free pages.
      database.pragma("secure_delete = ON");
      return new SqliteStore(database, location, limits, busyTimeoutMs, readOnly, watchIntervalMs);
    } catch (error) {
      if (isBusy(error) && Date.now() - started < busyTimeoutMs) {
        await pauseBeforeRetry(attempt);
        continue;
      }
      database.close();
      throw isBusy(error)
        ? new StoreBusyError({ location, waitedMs: Date.now() - started, cause: error })
        : asStoreError(location, error, readOnly);
    }
  }
}

/**
 * Creates the folder and an empty file when the file is missing; true when it was missing. A
 * folder or file that cannot be created (permissions, a file where a folder should be) is
 * `STORE_UNAVAILABLE` naming both.
 */
function createIfMissing(location: string, folder: string): boolean {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (existsSync(location)) return false;
    // Created here with mode 0600 (never readable by others, not even for a moment); "a" leaves
    // a file another process created first as it is.
    closeSync(openSync(location, "a", 0o600));
    chmodSync(location, 0o600);
    return true;
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code ?? "UNKNOWN");
    if (code === "EACCES" && existsSync(location)) return false;
    throw new StoreUnavailableError({ location, folder, systemCode: code, cause: error });
  }
}

/** True when this process may write the file, its folder and its existing -wal/-shm files. */
function isWritable(location: string, folder: string): boolean {
  for (const path of [location, folder, `${location}-wal`, `${location}-shm`]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      return false;
    }
  }
  return true;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * A 0-byte database beside a key file that holds keys is a store that was emptied (a copy, sync
 * or restore cut short): documents were sealed under those keys, so starting a new store over it
 * would hide them. A file being created by another process right now is given a moment to grow.
 */
async function refuseEmptiedFile(location: string): Promise<void> {
  const keyFile = join(dirname(location), "master.key");
  for (let attempt = 0; attempt < 10; attempt++) {
    if (sizeOf(location) > 0 || sizeOf(`${location}-wal`) > 0) return;
    let keys: string;
    try {
      keys = readFileSync(keyFile, "utf8");
    } catch {
      return;
    }
    if (keys.trim() === "") return;
    await new Promise((resolvePause) => setTimeout(resolvePause, 50));
  }
  throw new StoreCorruptedError({
    location,
    problem: `it is empty (0 bytes), yet the key file "${keyFile}" beside it holds master keys, so it held documents once (a copy, sync or restore that was cut short leaves a file like this)`,
    advice: `Restore "${location}" from a backup. To start a new, empty store with the same keys instead, delete the empty file and run again.`,
  });
}

/**
 * Opens a file this process may not write. SQLite reads a WAL file through its -shm index, which
 * a read-only folder cannot hold; then a snapshot of the file is read into memory instead, unless
 * its -wal file holds changes the snapshot would miss.
 */
function openReadOnly(
  DatabaseConstructor: typeof import("better-sqlite3"),
  location: string,
  timeout: number,
): Database {
  const database = new DatabaseConstructor(location, {
    readonly: true,
    fileMustExist: true,
    timeout,
  });
  try {
    database.pragma("user_version", { simple: true });
    return database;
  } catch (error) {
    database.close();
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test(driverCode(error))) throw error;
  }
  if (sizeOf(`${location}-wal`) > 0) {
    throw new StoreReadOnlyError({
      location,
      what: "It cannot be read either: its -wal file holds changes not yet in the main file, and reading them needs a writable folder. Open it once with write access (any Tessera command), or copy the folder somewhere writable and point TESSERA_HOME there",
    });
  }
  const image = readFileSync(location);
  // WAL mode (header bytes 18-19 = 2) needs the -shm index; the in-memory copy reads as a rollback file.
  if (image[18] === 2 && image[19] === 2) image.fill(1, 18, 20);
  return new DatabaseConstructor(image, { readonly: true });
}

/**
 * A read-only store is read as it is: a file written by a newer Tessera is `STORE_TOO_NEW`, one
 * that needs upgrading (which writes) is `STORE_READ_ONLY`.
 */
function checkReadableVersion(database: Database, location: string): void {
  const version = database.pragma("user_version", { simple: true }) as number;
  if (version > sqliteStoreVersion) {
    throw new StoreTooNewError({
      location,
      storeVersion: version,
      supportedVersion: sqliteStoreVersion,
    });
  }
  if (version < sqliteStoreVersion) {
    throw new StoreReadOnlyError({
      location,
      what: `It cannot be read either: it was written by an older Tessera (store version ${version}, this one reads ${sqliteStoreVersion}) and upgrading it writes to it. Open it once with write access (any Tessera command)`,
    });
  }
}

/** Database files already warned about in this process. */
const warnedLocations = new Set<string>();

/**
 * Warns (once per file and process, as a `TESSERA_STORE_PERMISSIONS` process warning) when an
 * existing database file or its WAL files can be read or written by other users. Not refused like
 * a shared key file: secrets in the database are encrypted under a key kept elsewhere, so this
 * exposes configuration (hosts, accounts, bucket names), not secrets, and a store shared on
 * purpose keeps working. The warning gives the command that makes the files private.
 */
function warnIfShared(location: string): void {
  if (process.platform === "win32" || warnedLocations.has(location)) return;
  const shared: string[] = [];
  let widest = 0;
  for (const file of [location, `${location}-wal`, `${location}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    shared.push(file);
    widest |= mode;
  }
  if (shared.length === 0) return;
  warnedLocations.add(location);
  const access = (widest & 0o022) !== 0 ? "read and changed" : "read";
  process.emitWarning(
    `The Tessera store ${location} can be ${access} by other users (mode ${widest.toString(8).padStart(4, "0")}). Its secrets are encrypted, but its other fields (hosts, accounts, bucket names) are not, and a changed document is trusted on load. Make it private: chmod 600 ${shared.join(" ")}`,
    { code: "TESSERA_STORE_PERMISSIONS" },
  );
}

/** The content of a new revision. */
interface RevisionContent {
  dataJson: string;
  schemaChecksum: string;
  schemaVersion: string;
  packageJson: string | null;
  actor: string | null;
  references: string[];
  operation: RevisionSummary["operation"];
  restoredFrom: number | null;
}

const busyCodes = new Set([
  "SQLITE_BUSY",
  "SQLITE_BUSY_SNAPSHOT",
  "SQLITE_BUSY_RECOVERY",
  "SQLITE_LOCKED",
]);

/** A jittered, growing pause (5 ms doubling up to 200 ms) that leaves the event loop free. */
function pauseBeforeRetry(attempt: number): Promise<void> {
  const delay = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolvePause) => setTimeout(resolvePause, delay));
}

function driverCode(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? "");
}

/**
 * The coded error for a driver error: `STORE_CORRUPTED` for a damaged file or a row that does not
 * parse, `STORE_READ_ONLY` for a write to a store opened read-only, `STORE_WRITE_FAILED` for a
 * write that could not reach the disk (full, size limit, I/O error, read-only); any other error
 * unchanged.
 */
function asStoreError(location: string, error: unknown, readOnly: boolean): unknown {
  if (error instanceof CorruptRowError) {
    return new StoreCorruptedError({ location, problem: error.message });
  }
  const code = driverCode(error);
  if (code === "SQLITE_NOTADB") {
    return new StoreCorruptedError({
      location,
      problem: "it is not a SQLite database (SQLITE_NOTADB)",
      cause: error,
    });
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new StoreCorruptedError({
      location,
      problem: `SQLite found a damaged page (${code})`,
      cause: error,
    });
  }
  if (readOnly && code.startsWith("SQLITE_READONLY")) return new StoreReadOnlyError({ location });
  return /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|PERM)/.test(code)
    ? new StoreWriteFailedError({ location, driverCode: code, cause: error })
    : error;
}

function isBusy(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    busyCodes.has(String((error as { code?: unknown }).code))
  );
}

function slugOf(document: { type: string; name: string }): string {
  return formatSlug(document.type, document.name);
}

function describeRef(ref: DocumentRef): string {
  return "id" in ref ? ref.id : formatSlug(ref.type, ref.name);
}

function checkExpectedRevision(
  slug: string,
  expectedRevision: number | undefined,
  actualRevision: number,
): void {
  if (expectedRevision !== undefined && expectedRevision !== actualRevision) {
    throw new RevisionConflictError({ slug, expectedRevision, actualRevision });
  }
}

class SqliteStore implements SqliteBlockStore {
  readonly kind = "sqlite" as const;
  readonly location: string;
  readonly limits: StoreLimits;
  readonly #database: Database;
  readonly #statements: Statements;
  readonly #busyTimeoutMs: number;
  /** One transaction wrapper for every write: runs the body it is given. */
  readonly #transaction: ReturnType<Database["transaction"]>;
  #closed = false;
  /** Opened read-only: this process may not write the file (see `openSqliteStore`). */
  readonly readOnly: boolean;
  /** Open watches, each with the change-log position it has yielded up to. */
  readonly #watches = new Map<ChangeQueue, { after: number }>();
  readonly #watchIntervalMs: number;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  /** `PRAGMA data_version` at the last read of the change log. */
  #dataVersion = -1;
  /** A read of the change log is scheduled (this process just committed a change). */
  #pollScheduled = false;

  constructor(
    database: Database,
    location: string,
    limits: StoreLimits,
    busyTimeoutMs: number,
    readOnly: boolean,
    watchIntervalMs: number,
  ) {
    this.#watchIntervalMs = watchIntervalMs;
    this.#database = database;
    this.readOnly = readOnly;
    this.location = location;
    this.limits = limits;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#statements = prepareStatements(database);
    this.#transaction = database.transaction((body: () => unknown) => body());
  }

  async get(
    ref: DocumentRef,
    options?: { revision?: number },
  ): Promise<StoredDocument | undefined> {
    return this.#read((statements) => {
      const revision = options?.revision;
      let row: DocumentRow | undefined;
      if (revision === undefined) {
        row =
          "id" in ref
            ? statements.newestById.get(ref.id)
            : statements.newestBySlug.get(ref.type, ref.name);
      } else {
        row =
          "id" in ref
            ? statements.revisionById.get(revision, ref.id, this.limits.revisionsKept)
            : statements.revisionBySlug.get(
                revision,
                ref.type,
                ref.name,
                this.limits.revisionsKept,
              );
      }
      return row === undefined ? undefined : toDocument(row);
    });
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    return this.#read((statements) => {
      const documents = new Map<string, StoredDocument>();
      if (ids.length === 0) return documents;
      for (const row of statements.newestByIds.all(JSON.stringify(ids))) {
        documents.set(row.id, toDocument(row));
      }
      return documents;
    });
  }

  async put(input: PutDocumentInput): Promise<StoredDocument> {
    const statements = this.#open();
    const dataJson = this.#serialize(input);
    const document = await this.#write(() =>
      this.#putInTransaction(statements, input, dataJson, true),
    );
    return document!;
  }

  async importDocuments(inputs: Iterable<PutDocumentInput>): Promise<number> {
    const statements = this.#open();
    return this.#write(() => {
      let count = 0;
      for (const input of inputs) {
        this.#putInTransaction(statements, input, this.#serialize(input), false);
        count++;
      }
      return count;
    });
  }

  async rollback(
    ref: DocumentRef,
    revision: number,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument> {
    checkActor(options?.actor);
    const statements = this.#open();
    return this.#write(() => {
      const head = this.#requireHead(statements, ref);
      const slug = slugOf(head);
      checkExpectedRevision(slug, options?.expectedRevision, head.revision);
      const old =
        revision > head.revision - this.limits.revisionsKept
          ? statements.revision.get(head.id, revision)
          : undefined;
      if (old === undefined) throw new BlockNotFoundError({ slug, closeMatches: [], revision });
      const references = parseColumn<string[]>(old.reference_ids, slug, "reference_ids");
      this.#checkReferences(statements, slug, head.id, references);
      return this.#appendRevision(statements, head, toDataKey(head), {
        dataJson: old.data,
        schemaChecksum: old.schema_checksum,
        schemaVersion: old.schema_version,
        packageJson: old.package,
        actor: options?.actor ?? null,
        references,
        operation: "rollback",
        restoredFrom: revision,
      });
    });
  }

  async rename(
    ref: DocumentRef,
    newName: string,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument> {
    checkActor(options?.actor);
    const statements = this.#open();
    return this.#write(() => {
      const head = this.#requireHead(statements, ref);
      checkExpectedRevision(slugOf(head), options?.expectedRevision, head.revision);
      if (newName === head.name) {
        return toDocument(statements.newestById.get(head.id)!);
      }
      if (statements.headBySlug.get(head.type, newName) !== undefined) {
        throw new BlockExistsError({ slug: formatSlug(head.type, newName) });
      }
      const newest = statements.revision.get(head.id, head.revision)!;
      statements.renameDocument.run(newName, head.id);
      return this.#appendRevision(statements, { ...head, name: newName }, toDataKey(head), {
        dataJson: newest.data,
        schemaChecksum: newest.schema_checksum,
        schemaVersion: newest.schema_version,
        packageJson: newest.package,
        actor: options?.actor ?? null,
        references: parseColumn<string[]>(newest.reference_ids, slugOf(head), "reference_ids"),
        operation: "rename",
        restoredFrom: null,
      });
    });
  }

  async delete(ref: DocumentRef, options?: { force?: boolean }): Promise<boolean> {
    const statements = this.#open();
    return this.#write(() => {
      const head = this.#head(statements, ref);
      if (head === undefined) return false;
      if (!options?.force) {
        const referrers = statements.referrers.all(head.id);
        if (referrers.length > 0) {
          throw new BlockReferencedError({ slug: slugOf(head), referrers: referrers.map(slugOf) });
        }
      }
      statements.deleteRevisions.run(head.id);
      statements.deleteReferencesFrom.run(head.id);
      statements.deleteDocument.run(head.id);
      this.#recordChange(statements, { ...head, operation: "delete" });
      return true;
    });
  }

  async list(options: ListDocumentsOptions = {}): Promise<Page<DocumentSummary>> {
    const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 100)));
    const [afterType, afterName] =
      options.cursor === undefined ? ["", ""] : decodeCursor(options.cursor);
    const rows = this.#read((statements) =>
      options.type === undefined
        ? statements.listAll.all(afterType, afterName, limit + 1)
        : statements.listType.all(
            options.type,
            afterType === options.type ? afterName : afterType < options.type ? "" : "\u{10ffff}",
            limit + 1,
          ),
    );
    const items = rows.slice(0, limit).map(toSummary);
    const page: Page<DocumentSummary> = { items };
    const last = items.at(-1);
    if (rows.length > limit && last !== undefined) {
      page.nextCursor = encodeCursor(last.type, last.name);
    }
    return page;
  }

  async history(ref: DocumentRef): Promise<RevisionSummary[]> {
    return this.#read((statements) => {
      const head = this.#requireHead(statements, ref);
      return statements.history
        .all(head.id, head.revision - this.limits.revisionsKept)
        .map(toRevisionSummary);
    });
  }

  async referrers(id: string): Promise<DocumentSummary[]> {
    return this.#read((statements) => statements.referrers.all(id).map(toSummary));
  }

  async putBlockType(record: BlockTypeRecord): Promise<void> {
    const statements = this.#open();
    const recordJson = JSON.stringify(record);
    await this.#write(() => statements.putBlockType.run(record.type, recordJson));
  }

  async getBlockType(type: string): Promise<BlockTypeRecord | undefined> {
    return this.#read((statements) => {
      const row = statements.getBlockType.get(type);
      return row === undefined
        ? undefined
        : parseColumn<BlockTypeRecord>(row.record, `block type "${type}"`, "record");
    });
  }

  async listBlockTypes(): Promise<BlockTypeRecord[]> {
    return this.#read((statements) =>
      statements.listBlockTypes
        .all()
        .map((row) => parseColumn<BlockTypeRecord>(row.record, "a block type", "record")),
    );
  }

  async listDataKeys(options: {
    notMasterKeyId: string;
    afterId?: string;
    limit?: number;
  }): Promise<Array<{ id: string; dataKey: WrappedDataKey }>> {
    const limit = Math.min(10_000, Math.max(1, Math.trunc(options.limit ?? 100)));
    return this.#read((statements) =>
      statements.listDataKeys
        .all(options.notMasterKeyId, options.afterId ?? "", limit)
        .map((row) => ({
          id: row.id,
          dataKey: { masterKeyId: row.data_key_master_id, wrapped: row.data_key_wrapped },
        })),
    );
  }

  async replaceDataKey(
    id: string,
    expected: WrappedDataKey,
    next: WrappedDataKey,
  ): Promise<boolean> {
    const statements = this.#open();
    return this.#write(() => {
      const replaced =
        statements.replaceDataKey.run(
          next.masterKeyId,
          next.wrapped,
          id,
          expected.masterKeyId,
          expected.wrapped,
        ).changes === 1;
      // Checked after the swap, in the same transaction: a refused key rolls the swap back.
      if (replaced) this.#useMasterKey(statements, next.masterKeyId);
      return replaced;
    });
  }

  async listMasterKeys(): Promise<MasterKeyRecord[]> {
    return this.#open()
      .listMasterKeys.all()
      .map((row) => ({
        id: row.id,
        current: row.is_current === 1,
        firstUsedAt: row.first_used_at,
      }));
  }

  async setCurrentMasterKey(
    id: string,
    options?: { expectedCurrent?: string | null },
  ): Promise<boolean> {
    const statements = this.#open();
    return this.#write(() => {
      const current = statements.currentMasterKey.get()?.id ?? null;
      if (options?.expectedCurrent !== undefined && current !== options.expectedCurrent) {
        return false;
      }
      if (current === id) return true;
      statements.recordMasterKey.run(id, new Date().toISOString());
      statements.clearCurrentMasterKey.run();
      statements.markCurrentMasterKey.run(id);
      return true;
    });
  }

  /** Refuses a data key wrapped by a master key other than the current one; records its id. */
  #useMasterKey(statements: Statements, masterKeyId: string): void {
    const current = statements.currentMasterKey.get()?.id;
    if (current !== undefined && current !== masterKeyId) {
      throw new MasterKeyNotCurrentError({
        location: this.location,
        masterKeyId,
        currentMasterKeyId: current,
      });
    }
    statements.recordMasterKey.run(masterKeyId, new Date().toISOString());
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.#read((statements) => statements.getMeta.get(key)?.value);
  }

  async setMeta(
    key: string,
    value: string,
    options?: { expected?: string | null },
  ): Promise<boolean> {
    const statements = this.#open();
    const expected = options?.expected;
    const { changes } = await this.#write(() =>
      expected === undefined
        ? statements.setMeta.run(key, value)
        : expected === null
          ? statements.createMeta.run(key, value)
          : statements.replaceMeta.run(value, key, expected),
    );
    return changes === 1;
  }

  /**
   * Watches the change log: every change committed after this resolves, by this process or any
   * other using the file, is yielded in commit order. Other processes' commits are noticed by
   * polling `PRAGMA data_version` every `watchIntervalMs`; this process's own at once.
   */
  async watch(options: WatchOptions = {}): Promise<StoreWatch> {
    const after = this.#read((statements) => statements.lastChange.get()?.seq ?? 0);
    const queue: ChangeQueue = new ChangeQueue(options, async () => {
      this.#watches.delete(queue);
      if (this.#watches.size === 0 && this.#pollTimer !== undefined) {
        clearInterval(this.#pollTimer);
        this.#pollTimer = undefined;
      }
    });
    this.#watches.set(queue, { after });
    if (this.#pollTimer === undefined) {
      this.#dataVersion = -1;
      this.#pollTimer = setInterval(() => this.#poll(false), this.#watchIntervalMs);
    }
    return queue;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches.keys()].map((watch) => watch.close()));
    this.#database.close();
  }

  /**
   * Hands the watches the change-log rows past their positions, when the file changed since the
   * last read (`force`: this process committed, which `data_version` does not count). Rows come
   * numbered without gaps, so a first row past a watch's position + 1 means rows it needed were
   * pruned: it gets a `resync` first.
   */
  #poll(force: boolean): void {
    if (this.#closed || this.#watches.size === 0) return;
    try {
      const version = this.#database.pragma("data_version", { simple: true }) as number;
      if (!force && version === this.#dataVersion) return;
      this.#dataVersion = version;
      const watches = [...this.#watches];
      let from = Math.min(...watches.map(([, position]) => position.after));
      for (;;) {
        const rows = this.#statements.changesAfter.all(from, 1000);
        for (const row of rows) {
          const change: StoreChange = {
            id: row.id,
            type: row.type,
            name: row.name,
            revision: row.revision,
            operation: row.operation,
          };
          for (const [queue, position] of watches) {
            if (row.seq <= position.after) continue;
            if (row.seq > position.after + 1) queue.push(resyncChange);
            queue.push(change);
            position.after = row.seq;
          }
          from = row.seq;
        }
        if (rows.length < 1000) break;
      }
    } catch (error) {
      if (isBusy(error)) return;
      const failure = asStoreError(this.location, error, this.readOnly);
      for (const queue of [...this.#watches.keys()]) queue.fail(failure);
    }
  }

  /** Records a committed change in the change log (in the change's transaction), pruning it. */
  #recordChange(statements: Statements, change: StoreChange): void {
    const { lastInsertRowid } = statements.recordChange.run(
      change.id,
      change.type,
      change.name,
      change.revision,
      change.operation,
    );
    const seq = Number(lastInsertRowid);
    if (seq % changeLogPruneBatch === 0) statements.pruneChanges.run(seq - changeLogKept);
    if (this.#watches.size > 0 && !this.#pollScheduled) {
      this.#pollScheduled = true;
      // After the commit: the body runs inside the transaction.
      setImmediate(() => {
        this.#pollScheduled = false;
        this.#poll(true);
      });
    }
  }

  #open(): Statements {
    if (this.#closed) throw new StoreClosedError({ location: this.location });
    return this.#statements;
  }

  /** Runs a read, turning a damaged file or row into `STORE_CORRUPTED` naming the file. */
  #read<T>(body: (statements: Statements) => T): T {
    const statements = this.#open();
    try {
      return body(statements);
    } catch (error) {
      throw asStoreError(this.location, error, this.readOnly);
    }
  }

  #serialize(input: PutDocumentInput): string {
    checkActor(input.actor);
    const dataJson = JSON.stringify(input.data);
    const size = Buffer.byteLength(dataJson, "utf8");
    if (size > this.limits.maxDocumentBytes) {
      throw new DocumentTooLargeError({
        slug: slugOf(input),
        size,
        limit: this.limits.maxDocumentBytes,
      });
    }
    return dataJson;
  }

  /**
   * Runs `body` in a `BEGIN IMMEDIATE` transaction (so the write lock is taken up front and a
   * read-then-write never fails half-way). While another process holds the lock, each attempt
   * waits inside SQLite for at most 100 ms, then the write is retried after a short jittered
   * pause that leaves the event loop free, until `busyTimeoutMs` has passed: then `STORE_BUSY`.
   */
  async #write<T>(body: () => T): Promise<T> {
    if (this.readOnly) throw new StoreReadOnlyError({ location: this.location });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#transaction.immediate(body) as T;
      } catch (error) {
        if (!isBusy(error)) throw asStoreError(this.location, error, this.readOnly);
        if (Date.now() - started >= this.#busyTimeoutMs) {
          throw new StoreBusyError({
            location: this.location,
            waitedMs: Date.now() - started,
            cause: error,
          });
        }
        await pauseBeforeRetry(attempt);
        this.#open();
      }
    }
  }

  #head(statements: Statements, ref: DocumentRef): HeadRow | undefined {
    return "id" in ref
      ? statements.headById.get(ref.id)
      : statements.headBySlug.get(ref.type, ref.name);
  }

  #requireHead(statements: Statements, ref: DocumentRef): HeadRow {
    const head = this.#head(statements, ref);
    if (head === undefined) throw new BlockNotFoundError({ slug: describeRef(ref) });
    return head;
  }

  #putInTransaction(
    statements: Statements,
    input: PutDocumentInput,
    dataJson: string,
    returnDocument: boolean,
  ): StoredDocument | undefined {
    const slug = slugOf(input);
    const existing = statements.headBySlug.get(input.type, input.name);
    const actualRevision = existing?.revision ?? 0;
    if (input.expectedRevision !== undefined) {
      checkExpectedRevision(slug, input.expectedRevision, actualRevision);
    } else if (existing !== undefined && !input.overwrite) {
      throw new BlockExistsError({ slug });
    }
    const references = [...new Set(input.references)];
    const id = existing?.id ?? input.id;
    this.#checkReferences(statements, slug, id, references);
    // A data key this write stores: a new document's, or one added to a document that had none.
    const newDataKey = existing?.data_key_master_id ? null : input.dataKey;
    if (newDataKey) this.#useMasterKey(statements, newDataKey.masterKeyId);
    const content: RevisionContent = {
      dataJson,
      schemaChecksum: input.schemaChecksum,
      schemaVersion: input.schemaVersion,
      packageJson: input.package === undefined ? null : JSON.stringify(input.package),
      actor: input.actor ?? null,
      references,
      operation: "save",
      restoredFrom: null,
    };
    if (existing === undefined) {
      const now = new Date().toISOString();
      statements.insertDocument.run(
        id,
        input.type,
        input.name,
        now,
        input.dataKey?.masterKeyId ?? null,
        input.dataKey?.wrapped ?? null,
      );
      this.#insertRevision(statements, id, 1, content, now);
      this.#recordChange(statements, {
        id,
        type: input.type,
        name: input.name,
        revision: 1,
        operation: "save",
      });
      return returnDocument
        ? this.#built(id, input.type, input.name, 1, now, now, input.dataKey, content)
        : undefined;
    }
    // The stored data key wins: secrets already sealed under it must stay readable, and a key
    // re-wrapped by rotation since the caller loaded the document must not be undone.
    return this.#appendRevision(
      statements,
      existing,
      toDataKey(existing) ?? input.dataKey,
      content,
    );
  }

  #appendRevision(
    statements: Statements,
    head: HeadRow,
    dataKey: WrappedDataKey | null,
    content: RevisionContent,
  ): StoredDocument {
    const revision = head.revision + 1;
    const now = new Date().toISOString();
    if (
      (dataKey?.masterKeyId ?? null) !== head.data_key_master_id ||
      (dataKey?.wrapped ?? null) !== head.data_key_wrapped
    ) {
      statements.updateDataKey.run(dataKey?.masterKeyId ?? null, dataKey?.wrapped ?? null, head.id);
    }
    if (head.has_references) statements.deleteReferencesFrom.run(head.id);
    this.#insertRevision(statements, head.id, revision, content, now);
    this.#recordChange(statements, {
      id: head.id,
      type: head.type,
      name: head.name,
      revision,
      operation: content.operation,
    });
    // Revisions older than the kept window are invisible at once (reads filter on the window) and
    // deleted in batches, which keeps most saves to the rows they write.
    if (revision % pruneBatch === 0) {
      statements.pruneRevisions.run(head.id, revision - this.limits.revisionsKept);
    }
    return this.#built(
      head.id,
      head.type,
      head.name,
      revision,
      head.created_at,
      now,
      dataKey,
      content,
    );
  }

  #insertRevision(
    statements: Statements,
    id: string,
    revision: number,
    content: RevisionContent,
    now: string,
  ): void {
    statements.insertRevision.run(
      id,
      revision,
      content.dataJson,
      content.schemaChecksum,
      content.schemaVersion,
      content.packageJson,
      content.actor,
      JSON.stringify(content.references),
      content.operation,
      content.restoredFrom,
      now,
    );
    for (const target of content.references) statements.insertReference.run(id, target);
  }

  #built(
    id: string,
    type: string,
    name: string,
    revision: number,
    createdAt: string,
    updatedAt: string,
    dataKey: WrappedDataKey | null,
    content: RevisionContent,
  ): StoredDocument {
    const document: StoredDocument = {
      id,
      type,
      name,
      revision,
      data: JSON.parse(content.dataJson) as JsonObject,
      schemaChecksum: content.schemaChecksum,
      schemaVersion: content.schemaVersion,
      references: [...content.references],
      dataKey: dataKey === null ? null : { ...dataKey },
      createdAt,
      updatedAt,
    };
    if (content.packageJson !== null) {
      document.package = JSON.parse(content.packageJson) as DefiningPackage;
    }
    if (content.actor !== null) document.actor = content.actor;
    return document;
  }

  /** Every reference exists, and none leads back to `id` (checked over the stored graph). */
  #checkReferences(statements: Statements, slug: string, id: string, references: string[]): void {
    if (references.length === 0) return;
    if (references.includes(id)) throw new ReferenceCycleError({ slug, cycle: [slug, slug] });
    const referencesJson = JSON.stringify(references);
    const missing = statements.missingReference.get(referencesJson);
    if (missing !== undefined) throw new ReferenceNotFoundError({ slug, missing: missing.value });
    if (statements.reaches.get(referencesJson, id) !== undefined) {
      throw new ReferenceCycleError({
        slug,
        cycle: this.#cyclePath(statements, slug, id, references),
      });
    }
  }

  /** The slugs on one path from `references` back to `id`, for the error message. */
  #cyclePath(statements: Statements, slug: string, id: string, references: string[]): string[] {
    const parents = new Map<string, string | null>(references.map((target) => [target, null]));
    const queue = [...references];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (current === id) break;
      for (const { to_id } of statements.referencesFrom.all(current)) {
        if (!parents.has(to_id)) {
          parents.set(to_id, current);
          queue.push(to_id);
        }
      }
    }
    const path: string[] = [];
    for (let step: string | null | undefined = parents.get(id); step; step = parents.get(step)) {
      const document = statements.slugOf.get(step);
      path.unshift(document === undefined ? step : slugOf(document));
    }
    return [slug, ...path, slug];
  }
}
