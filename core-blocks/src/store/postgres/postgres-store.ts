import { formatSlug } from "../../block/slug.js";
import {
  BlockExistsError,
  BlockNotFoundError,
  BlockReferencedError,
  DatabaseUnavailableError,
  DocumentTooLargeError,
  InvalidInputError,
  MasterKeyNotCurrentError,
  ReferenceCycleError,
  ReferenceNotFoundError,
  RevisionConflictError,
  StoreBusyError,
  StoreClosedError,
  StoreCorruptedError,
  TesseraError,
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
import type { CopiedDocument, CopyDestination } from "../copy-store.js";
import { decodeCursor, encodeCursor } from "../list-cursor.js";
import {
  CorruptRowError,
  parseColumn,
  toDataKey,
  toDocument,
  toRevisionSummary,
  toSummary,
} from "../sqlite/sqlite-rows.js";
import type { DocumentRow, RevisionRow, SummaryRow } from "../sqlite/sqlite-statements.js";
import { LoadBatcher } from "./load-batch.js";
import { createPool, type PooledClient, type SqlClient, type SqlPool } from "./postgres-driver.js";
import { lockKeys, migratePostgresStore } from "./postgres-migrations.js";
import { type PostgresStatements, postgresStatements } from "./postgres-statements.js";

/** Settings of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /**
   * The database, as a `postgres://user:password@host:port/database` URL (any setting `pg`
   * reads from a connection string, such as `sslmode`, works). Never shown: messages and
   * `location` name the host, port and database only.
   */
  url: string;
  /**
   * The PostgreSQL schema that holds the store's tables; created when missing. Several stores
   * can share one database under different schemas.
   * @default "tessera"
   */
  schema?: string;
  /**
   * Limits the store enforces.
   * @default { maxDocumentBytes: 1_048_576, revisionsKept: 50 }
   */
  limits?: Partial<StoreLimits>;
  /**
   * Most connections the store opens at once. Calls beyond it wait for a free connection. 10
   * keeps a few dozen worker processes well under PostgreSQL's default `max_connections` (100).
   * @default 10
   */
  poolSize?: number;
  /**
   * The longest one statement may run (or wait for a lock) before the server cancels it, in ms;
   * the call then fails with `STORE_BUSY` and its transaction is rolled back. Every statement is a
   * point read or write, so 30 s only trips on a stuck lock or a server in trouble.
   * @default 30_000
   */
  statementTimeoutMs?: number;
  /**
   * How long opening a connection may take before the call fails with `DATABASE_UNAVAILABLE`,
   * in ms.
   * @default 10_000
   */
  connectTimeoutMs?: number;
}

/**
 * The PostgreSQL `BlockStore`. It is also the destination `copyStore` (`tessera store copy`)
 * writes into: the `copyIn…` methods write rows exactly as another store holds them.
 */
export interface PostgresBlockStore extends BlockStore, CopyDestination {
  readonly kind: "postgres";
  /** The schema that holds the store's tables. */
  readonly schema: string;
}

const defaultLimits: StoreLimits = { maxDocumentBytes: 1_048_576, revisionsKept: 50 };

/** Revisions beyond the kept window are deleted every this many saves of a document. */
const pruneBatch = 16;

/**
 * Batches of loads sent at once (see load-batch.ts). Two keep one batch on the wire while the
 * next gathers; more would spread concurrent loads over more, smaller statements.
 */
const loadBatchesInFlight = 2;

/** How often a write whose transaction lost a race (deadlock, overwrite race) is run again. */
const maxAttempts = 20;

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** `postgres://host:port/database` of a connection URL, without user, password or settings. */
function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname === "" ? "localhost" : parsed.hostname;
    const port = parsed.port === "" ? "" : `:${parsed.port}`;
    return `postgres://${host}${port}${parsed.pathname}`;
  } catch {
    return "postgres://(an unparsable URL)";
  }
}

/**
 * Opens the PostgreSQL block store: connects (a pool of `poolSize` connections), creates the
 * schema and its tables when missing, and upgrades them to this release's version in one
 * transaction under an advisory lock. `pg` (an optional peer dependency) is loaded here, so
 * processes on another backend never load it; when it is missing the call fails with
 * `DRIVER_NOT_INSTALLED`. A schema written by a newer Tessera is refused with `STORE_TOO_NEW`.
 */
export async function openPostgresStore(
  options: PostgresStoreOptions,
): Promise<PostgresBlockStore> {
  const schema = options.schema ?? "tessera";
  if (!schemaPattern.test(schema)) {
    throw new InvalidInputError({
      subject: "schema",
      message: `The PostgreSQL schema name "${schema}" is not valid: use 1-63 lower-case letters, digits and underscores, not starting with a digit.`,
    });
  }
  const limits: StoreLimits = { ...defaultLimits, ...options.limits };
  const settings = {
    poolSize: options.poolSize ?? 10,
    statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
  for (const [setting, value] of [...Object.entries(limits), ...Object.entries(settings)]) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidInputError({
        subject: setting,
        message: `The PostgreSQL store setting ${setting} must be a whole number of at least 1 (got ${String(value)}). Omit it to use the default.`,
      });
    }
  }
  const location = describePostgresUrl(options.url) + (schema === "tessera" ? "" : `#${schema}`);
  const pool = await createPool({
    connectionString: options.url,
    max: settings.poolSize,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "tessera",
  });
  // A connection the server closes while idle in the pool (a restart, pg_terminate_backend) is
  // reported here and dropped by the pool; the next call opens a new one.
  pool.on("error", () => undefined);
  // A checked-out connection that dies reports through the query that was running; without a
  // listener its "error" event would end the process.
  pool.on("connect", ((client: PooledClient) => client.on("error", () => undefined)) as never);
  const quotedSchema = `"${schema}"`;
  try {
    const client = await pool.connect();
    try {
      await migratePostgresStore(client, { schema, quotedSchema, location });
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw asStoreError(location, error);
  }
  return new PostgresStore(pool, location, schema, quotedSchema, limits);
}

/** Thrown inside a transaction to run it again (a race that a fresh read resolves). */
class RetryTransaction extends Error {}

/** SQLSTATE classes and codes that mean the connection is gone or cannot be made. */
function isConnectionError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  if (/^(08|57P0[1-3])/.test(code)) return true;
  if (
    /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|TIMEDOUT|NOTFOUND|AI_AGAIN)$/.test(code)
  ) {
    return true;
  }
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

function driverCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  if (/timeout/i.test(message)) return "connection timeout";
  return "connection lost";
}

/** The coded error for a driver error; Tessera errors and unknown errors pass unchanged. */
function asStoreError(location: string, error: unknown, waitedSince?: number): unknown {
  if (TesseraError.isInstance(error)) return error;
  if (error instanceof CorruptRowError) {
    return new StoreCorruptedError({
      location,
      problem: error.message,
      advice:
        "Restore the database from a backup, or fix the row by hand; the row's content is not shown.",
    });
  }
  if (isConnectionError(error)) {
    return new DatabaseUnavailableError({ location, driverCode: driverCode(error), cause: error });
  }
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  if (code === "57014" || code === "55P03") {
    return new StoreBusyError({
      location,
      waitedMs: waitedSince === undefined ? 0 : Date.now() - waitedSince,
      cause: error,
      advice:
        "The statement ran into the store's statement timeout (another transaction held a lock, or the server is overloaded). Retry it, or open the store with a larger statementTimeoutMs.",
    });
  }
  return error;
}

/** The batch key of a load: by id, or by slug. */
function loadKey(ref: DocumentRef): string {
  return "id" in ref ? `id:${ref.id}` : `slug:${ref.type}\u0000${ref.name}`;
}

function slugOf(document: { type: string; name: string }): string {
  return formatSlug(document.type, document.name);
}

function describeRef(ref: DocumentRef): string {
  return "id" in ref ? ref.id : formatSlug(ref.type, ref.name);
}

function checkExpectedRevision(slug: string, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new RevisionConflictError({ slug, expectedRevision: expected, actualRevision: actual });
  }
}

interface HeadRow {
  id: string;
  type: string;
  name: string;
  revision: number;
  created_at: string;
  data_key_master_id: string | null;
  data_key_wrapped: string | null;
  has_references: boolean;
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

class PostgresStore implements PostgresBlockStore {
  readonly kind = "postgres" as const;
  readonly location: string;
  readonly schema: string;
  readonly limits: StoreLimits;
  readonly #pool: SqlPool;
  readonly #sql: PostgresStatements;
  readonly #locks: ReturnType<typeof lockKeys>;
  /** The LISTEN/NOTIFY channel of this schema's changes. */
  readonly #channel: string;
  readonly #watches = new Set<ChangeQueue>();
  #closed = false;

  constructor(
    pool: SqlPool,
    location: string,
    schema: string,
    quotedSchema: string,
    limits: StoreLimits,
  ) {
    this.#pool = pool;
    this.location = location;
    this.schema = schema;
    this.limits = limits;
    this.#sql = postgresStatements(quotedSchema, `tessera_${schema}`);
    this.#locks = lockKeys(schema);
    this.#channel = `tessera_changes_${schema}`;
  }

  async get(
    ref: DocumentRef,
    options?: { revision?: number },
  ): Promise<StoredDocument | undefined> {
    const sql = this.#sql;
    const revision = options?.revision;
    if (revision === undefined) {
      this.#open();
      const row = await this.#newest.load(ref);
      return row === undefined ? undefined : this.#document(row);
    }
    const rows = await this.#read<DocumentRow>((client) =>
      "id" in ref
        ? client.query({
            ...sql.revisionById,
            values: [ref.id, revision, this.limits.revisionsKept],
          })
        : client.query({
            ...sql.revisionBySlug,
            values: [ref.type, ref.name, revision, this.limits.revisionsKept],
          }),
    );
    const row = rows[0];
    return row === undefined ? undefined : this.#document(row);
  }

  /** Loads of newest revisions, batched while they wait for a connection (see load-batch.ts). */
  readonly #newest = new LoadBatcher<DocumentRef, DocumentRow>(
    loadKey,
    (take) => this.#sendLoads(take),
    loadBatchesInFlight,
  );

  /**
   * Sends one batch of loads on one pooled connection: one statement for the slugs and one for
   * the ids (a single key uses its own prepared statement). Like `#read`, a connection found
   * dead is dropped and the batch sent once more on a new one.
   */
  async #sendLoads(take: () => DocumentRef[]): Promise<Map<string, DocumentRow>> {
    const started = Date.now();
    let refs: DocumentRef[] | undefined;
    for (let attempt = 0; ; attempt++) {
      let client: PooledClient | undefined;
      let failure: unknown;
      try {
        client = await this.#pool.connect();
        refs ??= take();
        return await this.#newestRows(client, refs);
      } catch (error) {
        failure = error;
        if (attempt === 0 && isConnectionError(error)) continue;
        throw asStoreError(this.location, error, started);
      } finally {
        client?.release(isConnectionError(failure) ? (failure as Error) : undefined);
      }
    }
  }

  async #newestRows(client: SqlClient, refs: DocumentRef[]): Promise<Map<string, DocumentRow>> {
    const sql = this.#sql;
    const ids: string[] = [];
    const types: string[] = [];
    const names: string[] = [];
    for (const ref of refs) {
      if ("id" in ref) ids.push(ref.id);
      else {
        types.push(ref.type);
        names.push(ref.name);
      }
    }
    const found = new Map<string, DocumentRow>();
    if (types.length > 0) {
      const { rows } = await client.query<DocumentRow>(
        types.length === 1
          ? { ...sql.newestBySlug, values: [types[0], names[0]] }
          : { ...sql.newestBySlugs, values: [types, names] },
      );
      for (const row of rows) found.set(loadKey({ type: row.type, name: row.name }), row);
    }
    if (ids.length > 0) {
      const { rows } = await client.query<DocumentRow>(
        ids.length === 1
          ? { ...sql.newestById, values: [ids[0]] }
          : { ...sql.newestByIds, values: [ids] },
      );
      for (const row of rows) found.set(loadKey({ id: row.id }), row);
    }
    return found;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const documents = new Map<string, StoredDocument>();
    if (ids.length === 0) return documents;
    const rows = await this.#read<DocumentRow>((client) =>
      client.query({ ...this.#sql.newestByIds, values: [[...ids]] }),
    );
    for (const row of rows) documents.set(row.id, this.#document(row));
    return documents;
  }

  async put(input: PutDocumentInput): Promise<StoredDocument> {
    this.#open();
    const dataJson = this.#serialize(input);
    const saved = await this.#putInOneStatement(input, dataJson);
    if (saved !== undefined) return saved;
    return this.#write((client) => this.#putInTransaction(client, input, dataJson));
  }

  /**
   * The common save (no references, no data key to record) as one statement, one round trip:
   * the compare-and-swap, the revision row and the change notice commit together. `undefined`
   * when the statement wrote nothing (a conflict, a taken slug, a missing document) or the save
   * needs checks only a transaction makes: the caller then runs the full transaction, which
   * judges from a fresh read.
   */
  async #putInOneStatement(
    input: PutDocumentInput,
    dataJson: string,
  ): Promise<StoredDocument | undefined> {
    if (input.references.length > 0) return undefined;
    const createOnly =
      input.expectedRevision === 0 || (input.expectedRevision === undefined && !input.overwrite);
    if (createOnly && input.dataKey) return undefined;
    const now = new Date().toISOString();
    const content: RevisionContent = {
      dataJson,
      schemaChecksum: input.schemaChecksum,
      schemaVersion: input.schemaVersion,
      packageJson: input.package === undefined ? null : JSON.stringify(input.package),
      actor: input.actor ?? null,
      references: [],
      operation: "save",
      restoredFrom: null,
    };
    const sql = this.#sql;
    const rows = await this.#statement<Omit<HeadRow, "has_references">>((client) =>
      createOnly
        ? client.query({
            ...sql.saveNew,
            values: [
              input.id,
              input.type,
              input.name,
              now,
              dataJson,
              content.schemaChecksum,
              content.schemaVersion,
              content.packageJson,
              this.#channel,
              content.actor,
            ],
          })
        : client.query({
            ...sql.saveNext,
            values: [
              input.type,
              input.name,
              input.expectedRevision ?? null,
              input.dataKey?.masterKeyId ?? null,
              dataJson,
              content.schemaChecksum,
              content.schemaVersion,
              content.packageJson,
              now,
              this.limits.revisionsKept,
              pruneBatch,
              this.#channel,
              content.actor,
            ],
          }),
    );
    const written = rows[0];
    if (written === undefined) return undefined;
    return this.#built(written, now, toDataKey(written), content);
  }

  async rollback(
    ref: DocumentRef,
    revision: number,
    options?: RevisionWriteOptions,
  ): Promise<StoredDocument> {
    this.#open();
    checkActor(options?.actor);
    return this.#write(async (client) => {
      const head = await this.#requireHead(client, ref);
      const slug = slugOf(head);
      checkExpectedRevision(slug, options?.expectedRevision, head.revision);
      const old =
        revision > head.revision - this.limits.revisionsKept
          ? (
              await client.query<RevisionRow>({
                ...this.#sql.revision,
                values: [head.id, revision],
              })
            ).rows[0]
          : undefined;
      if (old === undefined) throw new BlockNotFoundError({ slug, closeMatches: [], revision });
      const references = parseColumn<string[]>(old.reference_ids, slug, "reference_ids");
      await this.#checkReferences(client, slug, head.id, references);
      return this.#appendRevision(client, head, options?.expectedRevision, null, null, {
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
    this.#open();
    checkActor(options?.actor);
    return this.#write(async (client) => {
      const head = await this.#requireHead(client, ref);
      checkExpectedRevision(slugOf(head), options?.expectedRevision, head.revision);
      if (newName === head.name) {
        const { rows } = await client.query<DocumentRow>({
          ...this.#sql.newestById,
          values: [head.id],
        });
        return this.#document(rows[0]!);
      }
      const newest = (
        await client.query<RevisionRow>({ ...this.#sql.revision, values: [head.id, head.revision] })
      ).rows[0]!;
      const newSlug = formatSlug(head.type, newName);
      try {
        return await this.#appendRevision(client, head, options?.expectedRevision, newName, null, {
          dataJson: newest.data,
          schemaChecksum: newest.schema_checksum,
          schemaVersion: newest.schema_version,
          packageJson: newest.package,
          actor: options?.actor ?? null,
          references: parseColumn<string[]>(newest.reference_ids, slugOf(head), "reference_ids"),
          operation: "rename",
          restoredFrom: null,
        });
      } catch (error) {
        if ((error as { code?: unknown }).code === "23505") {
          throw new BlockExistsError({ slug: newSlug });
        }
        throw error;
      }
    });
  }

  async delete(ref: DocumentRef, options?: { force?: boolean }): Promise<boolean> {
    return this.#write(async (client) => {
      const head = await this.#head(client, ref);
      if (head === undefined) return false;
      if (options?.force) {
        await client.query({ ...this.#sql.deleteReferencesTo, values: [head.id] });
      }
      try {
        // Savepoint: a refused delete leaves the transaction usable for the referrers' names.
        await client.query("SAVEPOINT delete_document");
        await client.query({ ...this.#sql.deleteDocument, values: [head.id] });
      } catch (error) {
        // The foreign key refuses to delete a document other documents reference.
        if ((error as { code?: unknown }).code !== "23503") throw error;
        await client.query("ROLLBACK TO SAVEPOINT delete_document");
        const { rows } = await client.query<SummaryRow>({
          ...this.#sql.referrers,
          values: [head.id],
        });
        throw new BlockReferencedError({ slug: slugOf(head), referrers: rows.map(slugOf) });
      }
      await this.#notify(client, { ...head, operation: "delete" });
      return true;
    });
  }

  async list(options: ListDocumentsOptions = {}): Promise<Page<DocumentSummary>> {
    const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 100)));
    const [afterType, afterName] =
      options.cursor === undefined ? ["", ""] : decodeCursor(options.cursor);
    const rows = await this.#read<SummaryRow>((client) =>
      options.type === undefined
        ? client.query({ ...this.#sql.listAll, values: [afterType, afterName, limit + 1] })
        : client.query({
            ...this.#sql.listType,
            values: [
              options.type,
              afterType === options.type ? afterName : afterType < options.type ? "" : "\u{10ffff}",
              limit + 1,
            ],
          }),
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
    return this.#withClient(async (client) => {
      const head = await this.#requireHead(client, ref);
      const { rows } = await client.query<RevisionRow>({
        ...this.#sql.history,
        values: [head.id, head.revision - this.limits.revisionsKept],
      });
      return rows.map(toRevisionSummary);
    });
  }

  async referrers(id: string): Promise<DocumentSummary[]> {
    const rows = await this.#read<SummaryRow>((client) =>
      client.query({ ...this.#sql.referrers, values: [id] }),
    );
    return rows.map(toSummary);
  }

  async putBlockType(record: BlockTypeRecord): Promise<void> {
    const recordJson = JSON.stringify(record);
    await this.#write((client) =>
      client.query({ ...this.#sql.putBlockType, values: [record.type, recordJson] }),
    );
  }

  async getBlockType(type: string): Promise<BlockTypeRecord | undefined> {
    const rows = await this.#read<{ record: string }>((client) =>
      client.query({ ...this.#sql.getBlockType, values: [type] }),
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : this.#parse<BlockTypeRecord>(row.record, `block type "${type}"`, "record");
  }

  async listBlockTypes(): Promise<BlockTypeRecord[]> {
    const rows = await this.#read<{ record: string }>((client) =>
      client.query(this.#sql.listBlockTypes),
    );
    return rows.map((row) => this.#parse<BlockTypeRecord>(row.record, "a block type", "record"));
  }

  async listDataKeys(options: {
    notMasterKeyId: string;
    afterId?: string;
    limit?: number;
  }): Promise<Array<{ id: string; dataKey: WrappedDataKey }>> {
    const limit = Math.min(10_000, Math.max(1, Math.trunc(options.limit ?? 100)));
    const rows = await this.#read<{
      id: string;
      data_key_master_id: string;
      data_key_wrapped: string;
    }>((client) =>
      client.query({
        ...this.#sql.listDataKeys,
        values: [options.notMasterKeyId, options.afterId ?? "", limit],
      }),
    );
    return rows.map((row) => ({
      id: row.id,
      dataKey: { masterKeyId: row.data_key_master_id, wrapped: row.data_key_wrapped },
    }));
  }

  async replaceDataKey(
    id: string,
    expected: WrappedDataKey,
    next: WrappedDataKey,
  ): Promise<boolean> {
    return this.#write(async (client) => {
      await this.#useMasterKey(client, next.masterKeyId);
      const { rowCount } = await client.query({
        ...this.#sql.replaceDataKey,
        values: [next.masterKeyId, next.wrapped, id, expected.masterKeyId, expected.wrapped],
      });
      if (rowCount !== 1) throw new NothingReplaced();
      return true;
    }).catch((error: unknown) => {
      if (error instanceof NothingReplaced) return false;
      throw error;
    });
  }

  async listMasterKeys(): Promise<MasterKeyRecord[]> {
    const rows = await this.#read<{ id: string; is_current: boolean; first_used_at: string }>(
      (client) => client.query(this.#sql.listMasterKeys),
    );
    return rows.map((row) => ({
      id: row.id,
      current: row.is_current,
      firstUsedAt: row.first_used_at,
    }));
  }

  async setCurrentMasterKey(
    id: string,
    options?: { expectedCurrent?: string | null },
  ): Promise<boolean> {
    return this.#write(async (client) => {
      // Exclusive: waits for writes storing data keys under the old current key to commit.
      await client.query({ ...this.#sql.lock, values: [this.#locks.masterKeys] });
      const { rows } = await client.query<{ id: string }>(this.#sql.currentMasterKey);
      const current = rows[0]?.id ?? null;
      if (options?.expectedCurrent !== undefined && current !== options.expectedCurrent) {
        return false;
      }
      if (current === id) return true;
      await client.query({ ...this.#sql.recordMasterKey, values: [id, new Date().toISOString()] });
      await client.query(this.#sql.clearCurrentMasterKey);
      await client.query({ ...this.#sql.markCurrentMasterKey, values: [id] });
      return true;
    });
  }

  async copyInDocument(document: CopiedDocument): Promise<boolean> {
    const newest = document.revisions.at(-1);
    if (newest === undefined) return false;
    const slug = slugOf(document);
    return this.#write(async (client) => {
      let inserted: { rows: unknown[] };
      try {
        inserted = await client.query({
          ...this.#sql.copyDocument,
          values: [
            document.id,
            document.type,
            document.name,
            newest.revision,
            document.createdAt,
            document.dataKey?.masterKeyId ?? null,
            document.dataKey?.wrapped ?? null,
          ],
        });
      } catch (error) {
        if ((error as { code?: unknown }).code !== "23505") throw error;
        throw new BlockExistsError({
          slug,
          advice: `The destination already holds another document named ${slug}: copy into an empty schema.`,
        });
      }
      if (inserted.rows.length === 0) {
        const { rows } = await client.query<{ type: string; name: string; revision: number }>({
          ...this.#sql.copiedDocument,
          values: [document.id],
        });
        const there = rows[0];
        if (there !== undefined && slugOf(there) === slug && there.revision === newest.revision) {
          return false;
        }
        throw new BlockExistsError({
          slug,
          advice: `The destination already holds document ${document.id} at another name or revision: copy into an empty schema.`,
        });
      }
      const revisions = document.revisions;
      await client.query({
        ...this.#sql.copyRevisions,
        values: [
          document.id,
          revisions.map((revision) => revision.revision),
          revisions.map((revision) => revision.dataJson),
          revisions.map((revision) => revision.schemaChecksum),
          revisions.map((revision) => revision.schemaVersion),
          revisions.map((revision) => revision.packageJson),
          revisions.map((revision) => JSON.stringify(revision.references)),
          revisions.map((revision) => revision.operation),
          revisions.map((revision) => revision.restoredFrom),
          revisions.map((revision) => revision.updatedAt),
          revisions.map((revision) => revision.actor),
        ],
      });
      return true;
    });
  }

  async copyInReferences(id: string, references: readonly string[]): Promise<void> {
    if (references.length === 0) return;
    await this.#write((client) =>
      client.query({ ...this.#sql.copyReferences, values: [id, [...references]] }),
    );
  }

  async copyInMasterKeys(records: readonly MasterKeyRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#write(async (client) => {
      await client.query({ ...this.#sql.lock, values: [this.#locks.masterKeys] });
      for (const record of records) {
        await client.query({
          ...this.#sql.recordMasterKey,
          values: [record.id, record.firstUsedAt],
        });
      }
      const current = records.find((record) => record.current);
      const { rows } = await client.query<{ id: string }>(this.#sql.currentMasterKey);
      if (current !== undefined && rows[0] === undefined) {
        await client.query({ ...this.#sql.markCurrentMasterKey, values: [current.id] });
      }
    });
  }

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.#read<{ value: string }>((client) =>
      client.query({ ...this.#sql.getMeta, values: [key] }),
    );
    return rows[0]?.value;
  }

  async setMeta(
    key: string,
    value: string,
    options?: { expected?: string | null },
  ): Promise<boolean> {
    const sql = this.#sql;
    const expected = options?.expected;
    const { rowCount } = await this.#write((client) =>
      client.query(
        expected === undefined
          ? { ...sql.setMeta, values: [key, value] }
          : expected === null
            ? { ...sql.createMeta, values: [key, value] }
            : { ...sql.replaceMeta, values: [key, value, expected] },
      ),
    );
    return rowCount === 1;
  }

  /**
   * Listens on the schema's channel with a connection of its own (one of the pool's), so every
   * change another process commits after this resolves is yielded. Writes notify in their own
   * transaction, so a change is seen exactly when it commits, and never for a rolled-back write.
   *
   * A lost connection (a server restart, `pg_terminate_backend`, the network) does not end the
   * watch: it connects again with a growing pause (100 ms doubling to 5 s, jittered) for as long
   * as it takes, LISTENs again and then yields a `resync` marker, because changes committed while
   * it was away were not heard. `Block.watch` answers a `resync` by reloading the block.
   */
  async watch(options: WatchOptions = {}): Promise<StoreWatch> {
    this.#open();
    let listening: PooledClient | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drop = (client: PooledClient, error?: Error) => {
      client.removeAllListeners("notification");
      // Destroyed, never back to the pool: the connection still LISTENs (or is dead).
      client.release(error ?? true);
    };
    const queue: ChangeQueue = new ChangeQueue(options, async () => {
      stopped = true;
      this.#watches.delete(queue);
      clearTimeout(timer);
      if (listening !== undefined) drop(listening);
      listening = undefined;
    });
    const listen = async (): Promise<void> => {
      const client = await this.#pool.connect();
      client.on("notification", (message) => {
        if (message.channel !== this.#channel || message.payload === undefined) return;
        try {
          queue.push(JSON.parse(message.payload) as StoreChange);
        } catch {
          // Not a payload this store wrote.
        }
      });
      client.on("error", (error) => {
        if (listening === client) lost(error);
      });
      try {
        await client.query(`LISTEN "${this.#channel}"`);
      } catch (error) {
        drop(client, error as Error);
        throw error;
      }
      if (stopped) drop(client);
      else listening = client;
    };
    const reconnect = (attempt: number) => {
      if (stopped || this.#closed) return;
      const pause = Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random());
      timer = setTimeout(() => {
        listen().then(
          () => queue.push(resyncChange),
          () => reconnect(attempt + 1),
        );
      }, pause);
    };
    const lost = (error: Error) => {
      if (listening === undefined) return;
      drop(listening, error);
      listening = undefined;
      reconnect(0);
    };
    try {
      await listen();
    } catch (error) {
      throw asStoreError(this.location, error);
    }
    this.#watches.add(queue);
    return queue;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.close()));
    await this.#pool.end();
  }

  /** Announces a change; delivered to listeners when (and only if) the transaction commits. */
  async #notify(client: SqlClient, change: StoreChange): Promise<void> {
    const payload: StoreChange = {
      id: change.id,
      type: change.type,
      name: change.name,
      revision: change.revision,
      operation: change.operation,
    };
    await client.query({ ...this.#sql.notify, values: [this.#channel, JSON.stringify(payload)] });
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError({ location: this.location });
  }

  #parse<T>(text: string, row: string, column: string): T {
    try {
      return parseColumn<T>(text, row, column);
    } catch (error) {
      throw asStoreError(this.location, error);
    }
  }

  #document(row: DocumentRow): StoredDocument {
    try {
      return toDocument(row);
    } catch (error) {
      throw asStoreError(this.location, error);
    }
  }

  /**
   * One read statement on a pooled connection. A connection that turns out dead (the server
   * restarted or ended it while it sat in the pool) is dropped and the read runs once more on a
   * new one: a read has no effect to repeat.
   */
  async #read<Row>(query: (client: SqlClient) => Promise<{ rows: Row[] }>): Promise<Row[]> {
    this.#open();
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return (await query(this.#pool)).rows;
      } catch (error) {
        if (attempt === 0 && isConnectionError(error)) continue;
        throw asStoreError(this.location, error, started);
      }
    }
  }

  /**
   * One write statement on a pooled connection, committed on its own. Run again only when the
   * connection was found closed before the statement was sent; once sent, a lost connection fails
   * the call with `DATABASE_UNAVAILABLE` (whether it committed is unknown, as for a lost COMMIT).
   */
  async #statement<Row>(query: (client: SqlClient) => Promise<{ rows: Row[] }>): Promise<Row[]> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return (await query(this.#pool)).rows;
      } catch (error) {
        const unsent = /not queryable/i.test(String((error as Error | null)?.message ?? ""));
        if (attempt < 2 && unsent) continue;
        throw asStoreError(this.location, error, started);
      }
    }
  }

  /** Several read statements on one connection (not a transaction). */
  async #withClient<T>(body: (client: SqlClient) => Promise<T>): Promise<T> {
    this.#open();
    const started = Date.now();
    let client: PooledClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw asStoreError(this.location, error, started);
    }
    let failure: unknown;
    try {
      return await body(client);
    } catch (error) {
      failure = error;
      throw asStoreError(this.location, error, started);
    } finally {
      client.release(isConnectionError(failure) ? (failure as Error) : undefined);
    }
  }

  /**
   * Runs `body` in a transaction (READ COMMITTED) on one connection, and commits. A transaction
   * that lost a race (a deadlock the server broke, `RetryTransaction`) is run again. A connection
   * found dead when the transaction begins is replaced and the transaction begun again; one lost
   * later fails the call with `DATABASE_UNAVAILABLE` (the server rolls the transaction back).
   */
  async #write<T>(body: (client: SqlClient) => Promise<T>): Promise<T> {
    this.#open();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let client: PooledClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw asStoreError(this.location, error, started);
      }
      let broken: Error | undefined;
      let begun = false;
      try {
        await client.query("BEGIN");
        begun = true;
        const result = await body(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if (isConnectionError(error)) {
          broken = error as Error;
          if (!begun && attempt < 3) continue;
        } else if (begun) {
          try {
            await client.query("ROLLBACK");
          } catch (rollbackError) {
            broken = rollbackError as Error;
          }
        }
        const code = (error as { code?: unknown }).code;
        const raced = error instanceof RetryTransaction || code === "40P01" || code === "40001";
        if (raced && attempt < maxAttempts) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        throw asStoreError(this.location, error, started);
      } finally {
        client.release(broken);
      }
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

  async #head(client: SqlClient, ref: DocumentRef): Promise<HeadRow | undefined> {
    const { rows } =
      "id" in ref
        ? await client.query<HeadRow>({ ...this.#sql.headById, values: [ref.id] })
        : await client.query<HeadRow>({ ...this.#sql.headBySlug, values: [ref.type, ref.name] });
    return rows[0];
  }

  async #requireHead(client: SqlClient, ref: DocumentRef): Promise<HeadRow> {
    const head = await this.#head(client, ref);
    if (head === undefined) throw new BlockNotFoundError({ slug: describeRef(ref) });
    return head;
  }

  async #putInTransaction(
    client: SqlClient,
    input: PutDocumentInput,
    dataJson: string,
  ): Promise<StoredDocument> {
    const slug = slugOf(input);
    const existing = await this.#head(client, { type: input.type, name: input.name });
    const actualRevision = existing?.revision ?? 0;
    if (input.expectedRevision !== undefined) {
      checkExpectedRevision(slug, input.expectedRevision, actualRevision);
    } else if (existing !== undefined && !input.overwrite) {
      throw new BlockExistsError({ slug });
    }
    const references = [...new Set(input.references)];
    const id = existing?.id ?? input.id;
    await this.#checkReferences(client, slug, id, references);
    // A data key this write stores: a new document's, or one added to a document that had none.
    const newDataKey = existing?.data_key_master_id ? null : input.dataKey;
    if (newDataKey) await this.#useMasterKey(client, newDataKey.masterKeyId);
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
    if (existing !== undefined) {
      return this.#appendRevision(
        client,
        existing,
        input.expectedRevision,
        null,
        input.dataKey,
        content,
      );
    }
    const now = new Date().toISOString();
    const { rows } = await client.query({
      ...this.#sql.create,
      values: [
        id,
        input.type,
        input.name,
        now,
        input.dataKey?.masterKeyId ?? null,
        input.dataKey?.wrapped ?? null,
        content.dataJson,
        content.schemaChecksum,
        content.schemaVersion,
        content.packageJson,
        JSON.stringify(references),
        content.actor,
      ],
    });
    if (rows.length === 0) {
      // Another writer created the document after our read: judge again against it.
      if (input.expectedRevision === 0) {
        const winner = await this.#head(client, { type: input.type, name: input.name });
        checkExpectedRevision(slug, 0, winner?.revision ?? 1);
      }
      if (input.expectedRevision === undefined && !input.overwrite) {
        throw new BlockExistsError({ slug });
      }
      throw new RetryTransaction();
    }
    await this.#insertReferences(client, slug, id, references);
    await this.#notify(client, {
      id,
      type: input.type,
      name: input.name,
      revision: 1,
      operation: "save",
    });
    return this.#built(
      { id, type: input.type, name: input.name, revision: 1, created_at: now },
      now,
      input.dataKey,
      content,
    );
  }

  /**
   * Writes `content` as the revision after `head.revision` with one compare-and-swap statement.
   * When another write got there first: with `expectedRevision` a `REVISION_CONFLICT` naming the
   * revision now stored; without, the transaction runs again on a fresh read.
   */
  async #appendRevision(
    client: SqlClient,
    head: HeadRow,
    expectedRevision: number | undefined,
    newName: string | null,
    dataKey: WrappedDataKey | null,
    content: RevisionContent,
  ): Promise<StoredDocument> {
    const now = new Date().toISOString();
    const { rows } = await client.query<Omit<HeadRow, "has_references">>({
      ...this.#sql.append,
      values: [
        head.id,
        head.revision,
        newName,
        dataKey?.masterKeyId ?? null,
        dataKey?.wrapped ?? null,
        content.dataJson,
        content.schemaChecksum,
        content.schemaVersion,
        content.packageJson,
        JSON.stringify(content.references),
        content.operation,
        content.restoredFrom,
        now,
        content.actor,
      ],
    });
    const written = rows[0];
    if (written === undefined) {
      if (expectedRevision === undefined) throw new RetryTransaction();
      // Run again on a fresh read unless the revision stored now already answers the caller.
      const current = await this.#head(client, { id: head.id });
      if (current !== undefined) {
        checkExpectedRevision(slugOf(head), expectedRevision, current.revision);
      }
      throw new RetryTransaction();
    }
    if (head.has_references) {
      await client.query({ ...this.#sql.deleteReferencesFrom, values: [head.id] });
    }
    await this.#insertReferences(client, slugOf(written), head.id, content.references);
    // Revisions older than the kept window are invisible at once (reads filter on the window) and
    // deleted in batches, which keeps most saves to the rows they write.
    if (written.revision % pruneBatch === 0) {
      await client.query({
        ...this.#sql.pruneRevisions,
        values: [head.id, written.revision - this.limits.revisionsKept],
      });
    }
    await this.#notify(client, {
      id: written.id,
      type: written.type,
      name: written.name,
      revision: written.revision,
      operation: content.operation,
    });
    const storedKey =
      written.data_key_master_id === null || written.data_key_wrapped === null
        ? null
        : { masterKeyId: written.data_key_master_id, wrapped: written.data_key_wrapped };
    return this.#built(written, now, storedKey, content);
  }

  async #insertReferences(
    client: SqlClient,
    slug: string,
    id: string,
    references: string[],
  ): Promise<void> {
    if (references.length === 0) return;
    try {
      await client.query({ ...this.#sql.insertReferences, values: [id, references] });
    } catch (error) {
      // The foreign key: a referenced document was deleted after the check.
      if ((error as { code?: unknown }).code !== "23503") throw error;
      throw new ReferenceNotFoundError({ slug, missing: references.join(", ") });
    }
  }

  #built(
    head: { id: string; type: string; name: string; revision: number; created_at: string },
    updatedAt: string,
    dataKey: WrappedDataKey | null,
    content: RevisionContent,
  ): StoredDocument {
    const document: StoredDocument = {
      id: head.id,
      type: head.type,
      name: head.name,
      revision: head.revision,
      data: JSON.parse(content.dataJson) as JsonObject,
      schemaChecksum: content.schemaChecksum,
      schemaVersion: content.schemaVersion,
      references: [...content.references],
      dataKey: dataKey === null ? null : { ...dataKey },
      createdAt: head.created_at,
      updatedAt,
    };
    if (content.packageJson !== null) {
      document.package = JSON.parse(content.packageJson) as DefiningPackage;
    }
    if (content.actor !== null) document.actor = content.actor;
    return document;
  }

  /**
   * Refuses a data key wrapped by a master key other than the current one, and records its id.
   * Holds the master-key lock shared until commit, so a key rotation (which takes it exclusive)
   * cannot make another key current between this check and this write's commit.
   */
  async #useMasterKey(client: SqlClient, masterKeyId: string): Promise<void> {
    await client.query({ ...this.#sql.lockShared, values: [this.#locks.masterKeys] });
    const { rows } = await client.query<{ id: string }>(this.#sql.currentMasterKey);
    const current = rows[0]?.id;
    if (current !== undefined && current !== masterKeyId) {
      throw new MasterKeyNotCurrentError({
        location: this.location,
        masterKeyId,
        currentMasterKeyId: current,
      });
    }
    await client.query({
      ...this.#sql.recordMasterKey,
      values: [masterKeyId, new Date().toISOString()],
    });
  }

  /**
   * Every reference exists, and none leads back to `id`. Writes that add references take the
   * reference-graph lock first, so two writes cannot each add half of a cycle unseen.
   */
  async #checkReferences(
    client: SqlClient,
    slug: string,
    id: string,
    references: string[],
  ): Promise<void> {
    if (references.length === 0) return;
    if (references.includes(id)) throw new ReferenceCycleError({ slug, cycle: [slug, slug] });
    await client.query({ ...this.#sql.lock, values: [this.#locks.graph] });
    const missing = await client.query<{ value: string }>({
      ...this.#sql.missingReference,
      values: [references],
    });
    if (missing.rows[0] !== undefined) {
      throw new ReferenceNotFoundError({ slug, missing: missing.rows[0].value });
    }
    const reaches = await client.query({ ...this.#sql.reaches, values: [references, id] });
    if (reaches.rows.length > 0) {
      throw new ReferenceCycleError({
        slug,
        cycle: await this.#cyclePath(client, slug, id, references),
      });
    }
  }

  /** The slugs on one path from `references` back to `id`, for the error message. */
  async #cyclePath(
    client: SqlClient,
    slug: string,
    id: string,
    references: string[],
  ): Promise<string[]> {
    const parents = new Map<string, string | null>(references.map((target) => [target, null]));
    const queue = [...references];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (current === id) break;
      const { rows } = await client.query<{ to_id: string }>({
        ...this.#sql.referencesFrom,
        values: [current],
      });
      for (const { to_id } of rows) {
        if (!parents.has(to_id)) {
          parents.set(to_id, current);
          queue.push(to_id);
        }
      }
    }
    const path: string[] = [];
    for (let step: string | null | undefined = parents.get(id); step; step = parents.get(step)) {
      const { rows } = await client.query<{ type: string; name: string }>({
        ...this.#sql.slugOf,
        values: [step],
      });
      path.unshift(rows[0] === undefined ? step : slugOf(rows[0]));
    }
    return [slug, ...path, slug];
  }
}

/** `replaceDataKey` found the key already changed: roll back (the master-key record too). */
class NothingReplaced extends Error {}
