import { randomUUID } from "node:crypto";
import { finished, Readable } from "node:stream";
import { defineBlock, ResultStore, SecretValue, type WritableFileSystem, z } from "@tessera/core";
import { SnowflakeConnectionError, SnowflakeQueryError } from "./errors/index.js";
import { loadSnowflakeSdk } from "./lazy-sdk.js";
import { rowsAsCsv, rowsAsNdjson } from "./row-formats.js";
import { SnowflakeCredentials } from "./snowflake-credentials.js";
import { rowTyper } from "./typed-row.js";

type Connection = import("snowflake-sdk").Connection;
type RowStatement = import("snowflake-sdk").RowStatement;

/** One row of a result: column names (as Snowflake answers them) to typed values. */
export type SnowflakeRow = Record<string, unknown>;

/**
 * Bind values: positional, for `?` or `:1`, `:2`… A `SecretValue` is revealed just before the
 * statement is sent and never appears in errors.
 */
export type SnowflakeBinds = readonly unknown[];

/** What `transaction` hands its callback: the statements, on the transaction's own session. */
export interface SnowflakeTransaction {
  query(sql: string, binds?: SnowflakeBinds): Promise<SnowflakeRow[]>;
  stream(sql: string, binds?: SnowflakeBinds): AsyncIterable<SnowflakeRow>;
  execute(sql: string, binds?: SnowflakeBinds): Promise<number>;
  executeMany(sql: string, rows: readonly SnowflakeBinds[]): Promise<number>;
}

/** Options of `persistQuery`. */
export interface PersistQueryOptions {
  /** Where the rows go: any storage block (`WritableFileSystem`) or a `ResultStore`. */
  storage: WritableFileSystem | ResultStore;
  /** The path (in a file system) or result key (in a ResultStore). */
  key: string;
  /** `ndjson` (one JSON object per line) or `csv` (a header line, then RFC 4180 rows). @default "ndjson" */
  format?: "ndjson" | "csv";
  /** Bind values of the query. @default [] */
  binds?: SnowflakeBinds;
}

const snowflakeConnectorSchema = z.object({
  /** Who connects, and how. */
  credentials: SnowflakeCredentials.field(),
  /** Database of the session. @default undefined (the user's default) */
  database: z.string().min(1).optional(),
  /** Warehouse that runs the statements. @default undefined (the user's default) */
  warehouse: z.string().min(1).optional(),
  /** Schema of the session. @default undefined (the user's default) */
  schema: z.string().min(1).optional(),
  /** Tag on every statement of the session, seen in Snowflake's query history. @default undefined */
  queryTag: z.string().max(2000).optional(),
  /**
   * Keep the session alive with heartbeats while the connection is open, so an idle connector
   * does not meet `390114` (token expired) hours later. The driver sends one every
   * `heartbeatSeconds`.
   * @default true
   */
  keepAlive: z.boolean().default(true),
  /** Seconds between heartbeats, 900 to 3600 (the driver's range). @default 3600 */
  heartbeatSeconds: z.number().int().min(900).max(3600).default(3600),
  /**
   * Result chunks the driver downloads ahead while a stream is read, 1 to 10: more is faster on a
   * slow network and holds more rows in memory.
   * @default 2 (the driver's default)
   */
  prefetchChunks: z.number().int().min(1).max(10).default(2),
});

/** Driver errors meaning the session is gone: log in again and resubmit. */
const sessionGoneCodes = new Set(["390114", "390111", "390112", "407002"]);
/** Driver errors meaning the request may not have arrived: resubmit with the same request id. */
const networkCodes = new Set(["401001"]);

interface DriverError {
  code?: string | number;
  sqlState?: string;
  message?: string;
  data?: { queryId?: string };
}

function driverCode(error: unknown): string | undefined {
  const code = (error as DriverError | undefined)?.code;
  return code === undefined ? undefined : String(code);
}

function queryError(error: unknown): SnowflakeQueryError {
  if (SnowflakeQueryError.isInstance(error)) return error;
  const driver = (error ?? {}) as DriverError;
  const queryId = driver.data?.queryId;
  const code = driverCode(error);
  return new SnowflakeQueryError({
    reason: (driver.message ?? String(error)).trim(),
    ...(code === undefined ? {} : { snowflakeCode: code }),
    ...(driver.sqlState === undefined ? {} : { sqlState: driver.sqlState }),
    ...(queryId === undefined ? {} : { queryId }),
  });
}

async function revealBinds(binds: SnowflakeBinds | undefined): Promise<unknown[] | undefined> {
  if (binds === undefined) return undefined;
  return Promise.all(
    binds.map(async (value) => {
      if (SecretValue.isInstance(value)) return value.reveal();
      if (Array.isArray(value)) return revealBinds(value);
      return value;
    }),
  );
}

/**
 * `snowflake-connector`: runs SQL on Snowflake with typed rows, streaming and transactions.
 *
 * ```ts
 * await using connector = new SnowflakeConnector({ credentials, database: "ANALYTICS", warehouse: "LOAD_WH" });
 * const rows = await connector.query("SELECT id, amount FROM orders WHERE day = ?", [day]);
 * for await (const row of connector.stream("SELECT * FROM events")) process(row);
 * ```
 *
 * Every call runs the statement it is given: there is no cursor kept between calls. The
 * connection is opened on first use, reused, kept alive with heartbeats, and opened again once
 * when Snowflake says the session expired; the statement is then resubmitted with the same
 * request id, so Snowflake never runs it twice.
 */
export class SnowflakeConnector extends defineBlock({
  type: "snowflake-connector",
  title: "Snowflake connector",
  description:
    "Runs SQL on Snowflake: typed rows, streams with bounded memory, array binds, transactions, results persisted to storage.",
  documentationUrl: "https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver",
  capabilities: ["query"],
  schema: snowflakeConnectorSchema,
}) {
  #connection: Promise<Connection> | undefined;

  /** Opens a new session with the connector's settings. */
  async #open(): Promise<Connection> {
    const sdk = await loadSnowflakeSdk();
    const options = await this.credentials.connectionOptions();
    const connection = sdk.createConnection({
      application: "Tessera",
      ...options,
      ...(this.database === undefined ? {} : { database: this.database }),
      ...(this.warehouse === undefined ? {} : { warehouse: this.warehouse }),
      ...(this.schema === undefined ? {} : { schema: this.schema }),
      ...(this.queryTag === undefined ? {} : { queryTag: this.queryTag }),
      clientSessionKeepAlive: this.keepAlive,
      clientSessionKeepAliveHeartbeatFrequency: this.heartbeatSeconds,
      resultPrefetch: this.prefetchChunks,
    } as import("snowflake-sdk").ConnectionOptions);
    return new Promise((resolve, reject) => {
      connection.connect((error) => {
        if (!error) return resolve(connection);
        const code = driverCode(error);
        reject(
          new SnowflakeConnectionError({
            account: this.credentials.account,
            user: this.credentials.user,
            reason: error.message,
            ...(code === undefined ? {} : { snowflakeCode: code }),
          }),
        );
      });
    });
  }

  /** The connector's session, opened on first use. */
  #session(): Promise<Connection> {
    if (this.#connection === undefined) {
      const opening = this.#open();
      this.#connection = opening;
      opening.catch(() => {
        if (this.#connection === opening) this.#connection = undefined;
      });
    }
    return this.#connection;
  }

  /** Forgets a session that Snowflake no longer accepts (destroying it is not possible). */
  #forget(connection: Promise<Connection>): void {
    if (this.#connection === connection) this.#connection = undefined;
  }

  /**
   * Runs `action` on the session; when the session is gone (or the request was lost on the
   * network), once more on a new session with the same request id.
   */
  async #withSession<T>(
    action: (connection: Connection, requestId: string) => Promise<T>,
  ): Promise<T> {
    const requestId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const session = this.#session();
      const connection = await session;
      try {
        return await action(connection, requestId);
      } catch (error) {
        const code = driverCode(error);
        const retriable =
          code !== undefined && (sessionGoneCodes.has(code) || networkCodes.has(code));
        if (attempt === 0 && retriable) {
          if (code !== undefined && sessionGoneCodes.has(code)) this.#forget(session);
          continue;
        }
        throw queryError(error);
      }
    }
  }

  /** Runs a statement and returns its rows, typed (see the package README). */
  async query(sql: string, binds?: SnowflakeBinds): Promise<SnowflakeRow[]> {
    const rows: SnowflakeRow[] = [];
    for await (const row of this.stream(sql, binds)) rows.push(row);
    return rows;
  }

  /**
   * Runs a statement and yields its rows one at a time, reading result chunks as the loop
   * advances: memory stays bounded (about `prefetchChunks` chunks) however large the result.
   * Leaving the loop early stops the download.
   */
  stream(sql: string, binds?: SnowflakeBinds): AsyncIterable<SnowflakeRow> {
    return streamRows((action) => this.#withSession(action), sql, binds);
  }

  /** Runs a statement and returns the number of rows it inserted, updated or deleted. */
  execute(sql: string, binds?: SnowflakeBinds): Promise<number> {
    return this.#withSession((connection, requestId) =>
      executeStatement(connection, requestId, sql, binds),
    );
  }

  /**
   * Runs a statement once per row of binds, sent as one array bind (`INSERT … VALUES (?, ?)`
   * with `[[1, "a"], [2, "b"]]`); returns the total number of rows affected.
   */
  executeMany(sql: string, rows: readonly SnowflakeBinds[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return this.execute(sql, rows as unknown as SnowflakeBinds);
  }

  /**
   * Runs `work` in a transaction on a session of its own: committed when `work` resolves,
   * rolled back when it throws (the error is rethrown). Statements of the transaction are never
   * resubmitted on another session.
   */
  async transaction<T>(work: (transaction: SnowflakeTransaction) => Promise<T>): Promise<T> {
    const connection = await this.#open();
    const once = <R>(action: (connection: Connection, requestId: string) => Promise<R>) =>
      action(connection, randomUUID()).catch((error: unknown) => {
        throw queryError(error);
      });
    const transaction: SnowflakeTransaction = {
      query: async (sql, binds) => {
        const rows: SnowflakeRow[] = [];
        for await (const row of streamRows(once, sql, binds)) rows.push(row);
        return rows;
      },
      stream: (sql, binds) => streamRows(once, sql, binds),
      execute: (sql, binds) =>
        once((session, requestId) => executeStatement(session, requestId, sql, binds)),
      executeMany: (sql, rows) =>
        rows.length === 0
          ? Promise.resolve(0)
          : once((session, requestId) =>
              executeStatement(session, requestId, sql, rows as unknown as SnowflakeBinds),
            ),
    };
    try {
      await transaction.execute("BEGIN TRANSACTION");
      let result: T;
      try {
        result = await work(transaction);
      } catch (error) {
        await transaction.execute("ROLLBACK").catch(() => undefined);
        throw error;
      }
      await transaction.execute("COMMIT");
      return result;
    } finally {
      await destroy(connection);
    }
  }

  /**
   * Streams the rows of a query into storage as NDJSON or CSV, with bounded memory: into any
   * storage block (`writePath`) or a `ResultStore` (`put`, stored as bytes). Returns the number
   * of rows written.
   */
  async persistQuery(sql: string, options: PersistQueryOptions): Promise<{ rows: number }> {
    const counter = { rows: 0 };
    const rows = this.stream(sql, options.binds);
    const lines =
      (options.format ?? "ndjson") === "csv"
        ? rowsAsCsv(rows, counter)
        : rowsAsNdjson(rows, counter);
    const content = Readable.from(lines, { objectMode: false });
    if (options.storage instanceof ResultStore) {
      await options.storage.put(options.key, content, { serializer: "binary" });
    } else {
      await options.storage.writePath(options.key, content);
    }
    return counter;
  }

  /** Closes the session (ending it on Snowflake). The connector opens a new one if used again. */
  async close(): Promise<void> {
    const session = this.#connection;
    this.#connection = undefined;
    if (session === undefined) return;
    const connection = await session.catch(() => undefined);
    if (connection !== undefined) await destroy(connection);
  }

  /** `await using connector = new SnowflakeConnector(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function destroy(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    if (!connection.isUp()) return resolve();
    connection.destroy(() => resolve());
  });
}

/** Runs a DML or DDL statement; resolves with the affected row count (0 for DDL). */
async function executeStatement(
  connection: Connection,
  requestId: string,
  sql: string,
  binds: SnowflakeBinds | undefined,
): Promise<number> {
  const revealed = await revealBinds(binds);
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText: sql,
      requestId,
      ...(revealed === undefined ? {} : { binds: revealed as import("snowflake-sdk").Binds }),
      complete: (error, statement) => {
        if (error) return reject(error);
        const updated = statement.getNumUpdatedRows();
        resolve(typeof updated === "number" && updated > 0 ? updated : 0);
      },
    });
  });
}

/** Runs a query with a streamed result, started through `run` (retries), and yields typed rows. */
async function* streamRows(
  run: <T>(action: (connection: Connection, requestId: string) => Promise<T>) => Promise<T>,
  sql: string,
  binds: SnowflakeBinds | undefined,
): AsyncGenerator<SnowflakeRow> {
  const revealed = await revealBinds(binds);
  const statement = await run(
    (connection, requestId) =>
      new Promise<RowStatement>((resolve, reject) => {
        connection.execute({
          sqlText: sql,
          requestId,
          streamResult: true,
          fetchAsString: ["Number"],
          ...(revealed === undefined ? {} : { binds: revealed as import("snowflake-sdk").Binds }),
          complete: (error, executed) => (error ? reject(error) : resolve(executed)),
        });
      }),
  );
  const typed = rowTyper(statement.getColumns() ?? []);
  const rows = statement.streamRows();
  // Rows are read from the stream's buffer directly, one async step per row as in the driver's
  // own iterator, rather than through a second iterator wrapped around it.
  let wake: () => void = () => undefined;
  let ended: Error | null | undefined;
  const onReadable = () => wake();
  rows.on("readable", onReadable);
  const stopWatching = finished(rows, { writable: false }, (error) => {
    ended = error ?? null;
    wake();
  });
  try {
    for (;;) {
      const row = rows.destroyed ? null : (rows.read() as SnowflakeRow | null);
      if (row !== null) yield typed(row);
      else if (ended === null) return;
      else if (ended !== undefined) throw queryError(ended);
      else
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
    }
  } finally {
    wake = () => undefined;
    rows.off("readable", onReadable);
    stopWatching();
    rows.destroy();
  }
}
