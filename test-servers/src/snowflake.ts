/**
 * An emulator of Snowflake's REST protocol, as snowflake-sdk (3.x) speaks it over plain HTTP
 * (`accessUrl: "http://127.0.0.1:<port>"`), executing the SQL on a real engine: one SQLite
 * database file (better-sqlite3), opened once per session so each session has its own
 * transaction, as in Snowflake.
 *
 * Protocol served:
 * - `POST /session/v1/login-request`: password, key pair (an RS256 JWT verified against the
 *   user's public key, issuer `ACCOUNT.USER.SHA256:<fingerprint>`) and OAuth; answers the session
 *   and master tokens, or `390100` / `390144` / `390303`. The session parameters the client
 *   sends (`QUERY_TAG`, `CLIENT_SESSION_KEEP_ALIVE`…) are recorded (`sessions()`) and answered
 *   back, as Snowflake does; each statement's `QUERY_TAG` is recorded with it (`executions`).
 * - `POST /queries/v1/query-request?requestId=…`: runs `sqlText` with `bindings` (positional, or
 *   arrays of values for array binding). A `requestId` seen before is never run again: the first
 *   run's outcome is answered, as Snowflake does for resubmitted requests. Results larger than
 *   `rowsPerChunk` rows come as an inline first chunk plus `chunks` whose URLs (loopback, on the
 *   host the request came to, so a proxy in between sees them) serve the rows as Snowflake's
 *   chunk files do, gzip when accepted. A query still running after `inProgressAfterMs` answers
 *   `333333` with a `getResultUrl`; `asyncExec` answers `333334` at once.
 * - `GET /queries/<id>/result`, `GET /monitoring/queries/<id>` (status), `POST
 *   /queries/v1/abort-request` (cancel: the query fails with `000604`), `POST /session/heartbeat`,
 *   `POST /session/token-request` (renewal with the master token), `POST /session?delete=true`,
 *   `POST /telemetry/send`.
 * - Errors are Snowflake's shape: HTTP 200, `{ success: false, code, message, data: { queryId,
 *   sqlState } }` (`002003`/`42S02` unknown object, `000904`/`42000` invalid identifier,
 *   `001003`/`42000` syntax error, `100072`/`22000` constraint). `expireSessionTokens()` makes
 *   the next request of every session answer `390112` (the driver renews with the master token);
 *   `expireMasterTokens()` also makes the renewal answer `390114` (a new login is needed).
 *
 * SQL: SQLite's, plus what Snowflake users write most: `:1` binds, `CREATE OR REPLACE TABLE`,
 * `BEGIN [TRANSACTION]`/`START TRANSACTION`, `COMMIT`/`ROLLBACK` outside a transaction (no-ops),
 * `USE …`, `ALTER SESSION SET QUERY_TAG`, `CURRENT_ROLE()` and friends, `PARSE_JSON`, and
 * `SELECT SYSTEM$WAIT(<seconds>)` for a slow query. Column types come from the declared types of
 * the columns read (`NUMBER(38,0)`, `FLOAT`, `VARCHAR`, `BOOLEAN`, `DATE`, `TIMESTAMP_NTZ`,
 * `VARIANT`, …), else from the values; column names are answered in upper case. Integers are
 * exact to 64 bits (SQLite's limit; Snowflake's NUMBER(38) goes further).
 */
import { createHash, createPublicKey, createVerify, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** A user of the emulated account and how it may authenticate. */
export interface SnowflakeEmulatorUser {
  /** Password for `SNOWFLAKE` authentication. @default undefined (refused) */
  password?: string;
  /** RSA public key (PEM) for `SNOWFLAKE_JWT` key-pair authentication. @default undefined */
  publicKey?: string;
  /** Accepted OAuth access token. @default undefined */
  oauthToken?: string;
}

/** Options of `startSnowflakeEmulator`. */
export interface SnowflakeEmulatorOptions {
  /** Account name the JWTs must name (case-insensitive). @default "TESSERA" */
  account?: string;
  /** Users by login name (case-insensitive). @default { TESSERA: { password: "tessera" } } */
  users?: Record<string, SnowflakeEmulatorUser>;
  /** Rows per result chunk; the first chunk is inline in the query response. @default 10000 */
  rowsPerChunk?: number;
  /** How long a query-request waits for its query before answering `333333`. @default 45000 */
  inProgressAfterMs?: number;
  /**
   * The account's `CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY` in seconds, answered at login
   * after what the client asked for (the driver schedules heartbeats with the value the login
   * answers). A fraction of a second makes keep-alive tests fast.
   * @default undefined (the client's value, else 3600)
   */
  heartbeatFrequencySeconds?: number;
}

/** A statement the emulator ran (not counting answers to resubmitted request ids). */
export interface SnowflakeExecution {
  queryId: string;
  requestId: string;
  sqlText: string;
  sessionId: number;
  /** The `QUERY_TAG` in effect: the statement's parameter, else the session's. */
  queryTag: string | null;
}

/** What the emulator knows of a session, open or closed. */
export interface SnowflakeSessionInfo {
  id: number;
  user: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  /** `SESSION_PARAMETERS` the client sent at login (`QUERY_TAG`, `CLIENT_SESSION_KEEP_ALIVE`…). */
  parameters: Record<string, unknown>;
  /** The session's `QUERY_TAG`: from login, or the last `ALTER SESSION SET QUERY_TAG`. */
  queryTag: string | null;
  /** When each heartbeat of the session arrived (`Date.now()`). */
  heartbeats: number[];
  open: boolean;
}

/** A running emulator. */
export interface SnowflakeEmulator {
  /** `http://127.0.0.1:<port>`, the driver's `accessUrl`. */
  endpoint: string;
  /** Account name, as the driver's `account` option. */
  account: string;
  /** Every statement run, in order. */
  executions: SnowflakeExecution[];
  /** Every request received: method, path and the `requestId` parameter. */
  requests: { method: string; path: string; requestId: string | null }[];
  /** Number of heartbeats received. */
  heartbeats(): number;
  /** Every session logged in so far, in order, with its parameters and heartbeats. */
  sessions(): SnowflakeSessionInfo[];
  /** Ids of the sessions open now (logged in, not deleted). */
  openSessions(): number[];
  /** The session token of every open session expires: the next request answers `390112`. */
  expireSessionTokens(): void;
  /** Session and master tokens expire: renewal answers `390114`, a new login is needed. */
  expireMasterTokens(): void;
  /** Runs SQL directly on the database (outside any session), for test setup and checks. */
  sql(sqlText: string, ...binds: unknown[]): unknown[];
  /** Stops the server and deletes the database. */
  stop(): Promise<void>;
}

interface Session {
  id: number;
  token: string;
  masterToken: string;
  sessionExpired: boolean;
  masterExpired: boolean;
  user: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  queryTag: string | null;
  /** Session parameters the client sent at login, echoed in every result as Snowflake does. */
  parameters: { name: string; value: unknown }[];
  heartbeatTimes: number[];
  open: boolean;
  db: Database.Database;
  resultTables: number;
}

interface Column {
  name: string;
  type: string;
  scale: number;
  precision: number;
}

interface SnowflakeFailure {
  code: string;
  message: string;
  sqlState: string;
}

interface QueryOutcome {
  data?: Record<string, unknown>;
  failure?: SnowflakeFailure;
}

interface Query {
  queryId: string;
  requestId: string;
  session: Session;
  status: "RUNNING" | "SUCCESS" | "FAILED_WITH_ERROR" | "ABORTED";
  outcome?: QueryOutcome;
  done: Promise<void>;
  cancel: AbortController;
  chunks?: { session: Session; table: string; starts: number[]; counts: number[] };
}

const statementTypes: Record<string, number> = {
  SELECT: 0x1000,
  WITH: 0x1000,
  VALUES: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE: 0x3400,
};

class SqlFailure extends Error {
  constructor(readonly failure: SnowflakeFailure) {
    super(failure.message);
  }
}

/** Snowflake's error for a SQLite error, by what the message says. */
function failureOf(error: unknown): SnowflakeFailure {
  if (error instanceof SqlFailure) return error.failure;
  const message = error instanceof Error ? error.message : String(error);
  const table = /no such table: (?:\w+\.)?(\S+)/.exec(message);
  if (table) {
    return {
      code: "002003",
      sqlState: "42S02",
      message: `SQL compilation error:\nObject '${(table[1] as string).toUpperCase()}' does not exist or not authorized.`,
    };
  }
  const column = /no such column: (\S+)/.exec(message);
  if (column) {
    return {
      code: "000904",
      sqlState: "42000",
      message: `SQL compilation error: error line 1 at position 0\ninvalid identifier '${(column[1] as string).toUpperCase()}'`,
    };
  }
  if (/syntax error|incomplete input|unrecognized token/.test(message)) {
    return {
      code: "001003",
      sqlState: "42000",
      message: `SQL compilation error:\nsyntax error line 1 at position 0 unexpected '${message}'.`,
    };
  }
  if (/constraint failed/.test(message)) {
    return { code: "100072", sqlState: "22000", message: `Constraint violated: ${message}` };
  }
  if (/already exists/.test(message)) {
    return {
      code: "002002",
      sqlState: "42710",
      message: `SQL compilation error:\n${message}`,
    };
  }
  if (/database is locked|busy/.test(message)) {
    return {
      code: "000625",
      sqlState: "57014",
      message: "Statement reached its statement or warehouse timeout while waiting for a lock.",
    };
  }
  return { code: "100000", sqlState: "XX000", message };
}

/**
 * SQL with every bind as SQLite's anonymous `?`, and which bind (0-based) each one takes: `:1`
 * names the first bind (and may repeat), a bare `?` takes the next one. String literals and
 * quoted identifiers are left alone.
 */
function translateBinds(sql: string): { sql: string; order: number[] } {
  let out = "";
  const order: number[] = [];
  let quote: string | undefined;
  let anonymous = 0;
  for (let index = 0; index < sql.length; index++) {
    const character = sql[index] as string;
    if (quote !== undefined) {
      out += character;
      if (character === quote) quote = undefined;
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      out += character;
      continue;
    }
    const numbered = character === ":" ? /^:(\d+)/.exec(sql.slice(index)) : null;
    if (numbered && sql[index - 1] !== ":") {
      order.push(Number(numbered[1]) - 1);
      out += "?";
      index += (numbered[0] as string).length - 1;
      continue;
    }
    if (character === "?") {
      order.push(anonymous++);
    }
    out += character;
  }
  return { sql: out, order };
}

/** The Snowflake type of a declared column type, with its scale and precision. */
function typeOfDeclared(declared: string | null): Omit<Column, "name"> | undefined {
  if (declared === null || declared === "") return undefined;
  const upper = declared.toUpperCase();
  const numeric = /^(?:NUMBER|NUMERIC|DECIMAL)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\))?/.exec(upper);
  if (numeric) {
    return {
      type: "fixed",
      precision: Number(numeric[1] ?? 38),
      scale: Number(numeric[2] ?? 0),
    };
  }
  if (/^(?:INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)\b/.test(upper)) {
    return { type: "fixed", precision: 38, scale: 0 };
  }
  if (/^(?:FLOAT|DOUBLE|REAL)/.test(upper)) return { type: "real", precision: 0, scale: 0 };
  if (/^BOOLEAN/.test(upper)) return { type: "boolean", precision: 0, scale: 0 };
  if (/^DATE$/.test(upper)) return { type: "date", precision: 0, scale: 0 };
  if (/^TIMESTAMP_LTZ/.test(upper)) return { type: "timestamp_ltz", precision: 0, scale: 9 };
  if (/^(?:TIMESTAMP|DATETIME)/.test(upper)) {
    return { type: "timestamp_ntz", precision: 0, scale: 9 };
  }
  if (/^VARIANT/.test(upper)) return { type: "variant", precision: 0, scale: 0 };
  if (/^OBJECT/.test(upper)) return { type: "object", precision: 0, scale: 0 };
  if (/^ARRAY/.test(upper)) return { type: "array", precision: 0, scale: 0 };
  if (/^(?:BINARY|VARBINARY|BLOB)/.test(upper)) return { type: "binary", precision: 0, scale: 0 };
  return { type: "text", precision: 0, scale: 0 };
}

function typeOfValue(sqliteType: string | undefined): Omit<Column, "name"> {
  switch (sqliteType) {
    case "integer":
      return { type: "fixed", precision: 38, scale: 0 };
    case "real":
      return { type: "real", precision: 0, scale: 0 };
    case "blob":
      return { type: "binary", precision: 0, scale: 0 };
    default:
      return { type: "text", precision: 0, scale: 0 };
  }
}

function epochMilliseconds(value: unknown): number | undefined {
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(" ", "T");
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes("T") ? text : `${text}Z`;
  const parsed = Date.parse(text.includes("T") ? zoned : `${text}T00:00:00Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A SQLite value as the string Snowflake's JSON result format carries for `column`. */
function wireValue(value: unknown, column: Column): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "fixed":
      if (typeof value === "number" && column.scale > 0) return value.toFixed(column.scale);
      return String(value);
    case "boolean":
      if (typeof value === "string") return /^(?:true|1|yes|on)$/i.test(value) ? "1" : "0";
      return Number(value) === 0 ? "0" : "1";
    case "date": {
      const milliseconds = epochMilliseconds(value);
      return milliseconds === undefined
        ? String(value)
        : String(Math.floor(milliseconds / 86_400_000));
    }
    case "timestamp_ntz":
    case "timestamp_ltz": {
      const milliseconds = epochMilliseconds(value);
      if (milliseconds === undefined) return String(value);
      const seconds = Math.floor(milliseconds / 1000);
      const fraction = milliseconds - seconds * 1000;
      return `${seconds}.${String(fraction * 1_000_000).padStart(9, "0")}`;
    }
    case "variant":
    case "object":
    case "array":
      if (typeof value === "string") {
        try {
          JSON.parse(value);
          return value;
        } catch {
          return JSON.stringify(value);
        }
      }
      return JSON.stringify(typeof value === "bigint" ? String(value) : value);
    case "binary":
      return Buffer.isBuffer(value) ? value.toString("hex").toUpperCase() : String(value);
    default:
      return Buffer.isBuffer(value) ? value.toString("hex") : String(value);
  }
}

/** A bind as SQLite takes it. */
function sqliteBind(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (type) {
    case "FIXED":
      return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
    case "REAL":
      return Number(text);
    case "BOOLEAN":
      return text === "true" || text === "1" ? 1 : 0;
    default:
      return text;
  }
}

function verifyJwt(token: string, publicKeyPem: string, account: string, user: string): boolean {
  const [header, payload, signature] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined) return false;
  const publicKey = createPublicKey(publicKeyPem);
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(publicKey, Buffer.from(signature, "base64url"))) return false;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
    iss?: string;
    sub?: string;
    exp?: number;
  };
  const fingerprint = `SHA256:${createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("base64")}`;
  const subject = `${account.toUpperCase()}.${user.toUpperCase()}`;
  return claims.sub === subject && claims.iss === `${subject}.${fingerprint}`;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  if (text === "") return {};
  return JSON.parse(text) as Record<string, unknown>;
}

function sendJson(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}

function failureBody(failure: SnowflakeFailure, queryId?: string): Record<string, unknown> {
  return {
    success: false,
    code: failure.code,
    message: failure.message,
    data: {
      ...(queryId === undefined ? {} : { queryId }),
      sqlState: failure.sqlState,
      errorCode: failure.code,
      internalError: false,
      age: 0,
    },
  };
}

/** Starts the emulator on a free loopback port. */
export async function startSnowflakeEmulator(
  options: SnowflakeEmulatorOptions = {},
): Promise<SnowflakeEmulator> {
  const account = (options.account ?? "TESSERA").toUpperCase();
  const users = new Map(
    Object.entries(options.users ?? { TESSERA: { password: "tessera" } }).map(
      ([name, user]) => [name.toUpperCase(), user] as const,
    ),
  );
  const rowsPerChunk = options.rowsPerChunk ?? 10_000;
  const inProgressAfterMs = options.inProgressAfterMs ?? 45_000;
  const heartbeatFrequencySeconds = options.heartbeatFrequencySeconds;
  const folder = mkdtempSync(join(tmpdir(), "tessera-snowflake-"));
  const databasePath = join(folder, "snowflake.db");
  const admin = new Database(databasePath);
  admin.pragma("journal_mode = WAL");
  const sessions = new Map<string, Session>();
  const allSessions: Session[] = [];
  const byMasterToken = new Map<string, Session>();
  const queries = new Map<string, Query>();
  const byRequestId = new Map<string, Query>();
  const executions: SnowflakeExecution[] = [];
  const requests: SnowflakeEmulator["requests"] = [];
  let heartbeats = 0;
  let nextSessionId = 1;

  function openDatabase(session: Omit<Session, "db">): Database.Database {
    const db = new Database(databasePath);
    db.pragma("busy_timeout = 0");
    db.defaultSafeIntegers(true);
    db.function("current_role", () => session.role);
    db.function("current_user", () => session.user);
    db.function("current_warehouse", () => session.warehouse);
    db.function("current_database", () => session.database);
    db.function("current_schema", () => session.schema);
    db.function("current_session", () => String(session.id));
    db.function("parse_json", (text: unknown) =>
      text === null ? null : JSON.stringify(JSON.parse(String(text))),
    );
    return db;
  }

  function newSession(
    user: string,
    query: URLSearchParams,
    parameters: Record<string, unknown>,
  ): Session {
    const partial = {
      parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })),
      id: nextSessionId++,
      token: `session-${randomUUID()}`,
      masterToken: `master-${randomUUID()}`,
      sessionExpired: false,
      masterExpired: false,
      user,
      role: query.get("roleName") ?? "PUBLIC",
      warehouse: query.get("warehouse"),
      database: query.get("databaseName"),
      schema: query.get("schemaName"),
      queryTag: typeof parameters.QUERY_TAG === "string" ? parameters.QUERY_TAG : null,
      resultTables: 0,
      heartbeatTimes: [] as number[],
      open: true,
    };
    const session = partial as Session;
    session.db = openDatabase(session);
    sessions.set(session.token, session);
    byMasterToken.set(session.masterToken, session);
    allSessions.push(session);
    return session;
  }

  function closeSession(session: Session): void {
    sessions.delete(session.token);
    byMasterToken.delete(session.masterToken);
    session.open = false;
    session.db.close();
  }

  function login(body: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const userName = String(data.LOGIN_NAME ?? "").toUpperCase();
    const user = users.get(userName);
    const authenticator = String(data.AUTHENTICATOR ?? "SNOWFLAKE").toUpperCase();
    const refuse = (code: string, message: string) => ({
      success: false,
      code,
      message,
      data: { nextAction: "RETRY_LOGIN", authnMethod: authenticator },
    });
    if (authenticator === "SNOWFLAKE_JWT") {
      const token = String(data.TOKEN ?? "");
      if (user?.publicKey === undefined || !verifyJwt(token, user.publicKey, account, userName)) {
        return refuse("390144", "JWT token is invalid.");
      }
    } else if (authenticator === "OAUTH") {
      if (user?.oauthToken === undefined || data.TOKEN !== user.oauthToken) {
        return refuse("390303", "Invalid OAuth access token.");
      }
    } else if (user?.password === undefined || data.PASSWORD !== user.password) {
      return refuse("390100", "Incorrect username or password was specified.");
    }
    const session = newSession(
      userName,
      query,
      (data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>,
    );
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14_400,
        sessionId: session.id,
        displayUserName: userName,
        serverVersion: "9.0.0-tessera-emulator",
        firstLogin: false,
        healthCheckInterval: 45,
        parameters: [
          { name: "TIMEZONE", value: "UTC" },
          { name: "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY", value: 3600 },
          ...session.parameters,
          ...(heartbeatFrequencySeconds === undefined
            ? []
            : [
                {
                  name: "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY",
                  value: heartbeatFrequencySeconds,
                },
              ]),
        ],
        sessionInfo: {
          databaseName: session.database,
          schemaName: session.schema,
          warehouseName: session.warehouse,
          roleName: session.role,
        },
      },
    };
  }

  /** The session of a request's `Authorization: Snowflake Token="…"`, or the failure to answer. */
  function authenticate(request: IncomingMessage): Session | SnowflakeFailure {
    const header = request.headers.authorization ?? "";
    const token = /Snowflake Token="([^"]*)"/.exec(header)?.[1];
    const session = token === undefined ? undefined : sessions.get(token);
    if (session === undefined) {
      return {
        code: "390111",
        sqlState: "08001",
        message: "Session no longer exists.  New login required to access the service.",
      };
    }
    if (session.sessionExpired) {
      return {
        code: "390112",
        sqlState: "08001",
        message: "Your session has expired. Please login again.",
      };
    }
    return session;
  }

  function columnsOf(session: Session, statement: Database.Statement, table: string): Column[] {
    return statement.columns().map((column, index) => {
      const declared = typeOfDeclared(column.type);
      let type = declared;
      if (type === undefined) {
        const sampled = session.db
          .prepare(
            `SELECT typeof(${JSON.stringify(column.name)}) AS t FROM "${table}" WHERE ${JSON.stringify(column.name)} IS NOT NULL LIMIT 1`,
          )
          .pluck()
          .get() as string | undefined;
        type = typeOfValue(sampled);
      }
      const name = column.name.toUpperCase();
      return { name: index === 0 || name !== "" ? name : `COLUMN${index}`, ...type };
    });
  }

  function readerResult(
    query: Query,
    sql: string,
    statement: Database.Statement,
    binds: unknown[],
    host: string,
  ): Record<string, unknown> {
    const session = query.session;
    const table = `tessera_result_${session.resultTables++}`;
    session.db.prepare(`CREATE TEMP TABLE "${table}" AS ${sql}`).run(...binds);
    const columns = columnsOf(session, statement, table);
    const total = Number(session.db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get());
    const firstRows = readRows(session, table, columns, 0, Math.min(total, rowsPerChunk));
    const starts: number[] = [];
    const counts: number[] = [];
    for (let start = rowsPerChunk; start < total; start += rowsPerChunk) {
      starts.push(start);
      counts.push(Math.min(rowsPerChunk, total - start));
    }
    if (starts.length === 0) {
      session.db.prepare(`DROP TABLE "${table}"`).run();
    } else {
      query.chunks = { session, table, starts, counts };
    }
    return {
      ...resultEnvelope(query, columns, firstRows, 0x1000),
      total,
      returned: total,
      ...(starts.length === 0
        ? {}
        : {
            chunkHeaders: {},
            chunks: starts.map((_, index) => ({
              url: `http://${host}/chunks/${query.queryId}/${index}`,
              rowCount: counts[index],
              uncompressedSize: (counts[index] as number) * 64,
              compressedSize: (counts[index] as number) * 16,
            })),
          }),
    };
  }

  function readRows(
    session: Session,
    table: string,
    columns: Column[],
    start: number,
    count: number,
  ): (string | null)[][] {
    if (count === 0) return [];
    const rows = session.db
      .prepare(`SELECT * FROM "${table}" WHERE rowid > ? AND rowid <= ?`)
      .raw()
      .all(start, start + count) as unknown[][];
    return rows.map((row) => row.map((value, index) => wireValue(value, columns[index] as Column)));
  }

  function resultEnvelope(
    query: Query,
    columns: Column[],
    rowset: (string | null)[][],
    statementTypeId: number,
  ): Record<string, unknown> {
    const session = query.session;
    return {
      parameters: [{ name: "TIMEZONE", value: "UTC" }, ...session.parameters],
      rowtype: columns.map((column) => ({
        name: column.name,
        type: column.type,
        scale: column.scale,
        precision: column.precision,
        length: column.type === "text" ? 16_777_216 : null,
        byteLength: column.type === "text" ? 16_777_216 : null,
        nullable: true,
        collation: null,
        database: session.database ?? "",
        schema: session.schema ?? "",
        table: "",
      })),
      rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId: query.queryId,
      databaseProvider: null,
      finalDatabaseName: session.database,
      finalSchemaName: session.schema,
      finalWarehouseName: session.warehouse,
      finalRoleName: session.role,
      numberOfBinds: 0,
      arrayBindSupported: false,
      statementTypeId,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: "json",
      queryContext: { entries: [] },
    };
  }

  function statusResult(query: Query, text: string, statementTypeId = 0x6000) {
    return resultEnvelope(
      query,
      [{ name: "status", type: "text", scale: 0, precision: 0 }],
      [[text]],
      statementTypeId,
    );
  }

  /** Runs one statement of a query on its session's connection. */
  async function run(
    query: Query,
    sqlText: string,
    bindings: Record<string, { type: string; value: unknown }> | undefined,
    host: string,
  ): Promise<Record<string, unknown>> {
    const session = query.session;
    const text = sqlText.trim().replace(/;\s*$/, "");
    const keyword = (/^\s*(\w+)/.exec(text)?.[1] ?? "").toUpperCase();
    const wait = /^SELECT\s+SYSTEM\$WAIT\(\s*(\d+(?:\.\d+)?)\s*\)$/i.exec(text);
    if (wait) {
      try {
        await sleep(Number(wait[1]) * 1000, undefined, { signal: query.cancel.signal });
      } catch {
        throw new SqlFailure({
          code: "000604",
          sqlState: "57014",
          message: `SQL execution canceled`,
        });
      }
      const column: Column = { name: "SYSTEM$WAIT", type: "text", scale: 0, precision: 0 };
      return resultEnvelope(query, [column], [[`waited ${wait[1]} seconds`]], 0x1000);
    }
    if (query.cancel.signal.aborted) {
      throw new SqlFailure({
        code: "000604",
        sqlState: "57014",
        message: "SQL execution canceled",
      });
    }
    const use = /^USE\s+(WAREHOUSE|DATABASE|SCHEMA|ROLE)\s+("?)([\w$.]+)\2$/i.exec(text);
    if (use) {
      const what = (use[1] as string).toLowerCase() as "warehouse" | "database" | "schema" | "role";
      session[what] = use[3] as string;
      return statusResult(query, "Statement executed successfully.");
    }
    const tag = /^ALTER\s+SESSION\s+SET\s+QUERY_TAG\s*=\s*'((?:[^']|'')*)'$/i.exec(text);
    if (tag) {
      session.queryTag = (tag[1] as string).replace(/''/g, "'");
      return statusResult(query, "Statement executed successfully.");
    }
    if (/^(?:BEGIN(?:\s+(?:TRANSACTION|WORK))?|START\s+TRANSACTION)$/i.test(text)) {
      if (!session.db.inTransaction) session.db.exec("BEGIN");
      return statusResult(query, "Statement executed successfully.");
    }
    if (/^(?:COMMIT|ROLLBACK)(?:\s+WORK)?$/i.test(text)) {
      if (session.db.inTransaction) session.db.exec(keyword);
      return statusResult(query, "Statement executed successfully.");
    }
    const translated = translateBinds(text);
    let sql = translated.sql;
    const replace = /^CREATE\s+OR\s+REPLACE\s+(TABLE\s+("?[\w.]+"?))/i.exec(sql);
    if (replace) {
      session.db.exec(`DROP TABLE IF EXISTS ${replace[2]}`);
      sql = `CREATE ${sql.slice(replace[0].length - (replace[1] as string).length)}`;
    }
    const statement = session.db.prepare(sql);
    const given = Object.entries(bindings ?? {}).sort(([a], [b]) => Number(a) - Number(b));
    const entries = translated.order.map((position) => {
      const entry = given[position];
      if (entry === undefined) {
        throw new SqlFailure({
          code: "002049",
          sqlState: "42601",
          message: `SQL compilation error: bind variable :${position + 1} not set.`,
        });
      }
      return entry;
    });
    const arrayBinding = entries.some(([, bind]) => Array.isArray(bind.value));
    if (statement.reader) {
      const binds = entries.map(([, bind]) => sqliteBind(bind.type, bind.value));
      return readerResult(query, sql, statement, binds, host);
    }
    let changes = 0;
    if (arrayBinding) {
      const rows = (entries[0]?.[1].value as unknown[]).length;
      session.db.transaction(() => {
        for (let row = 0; row < rows; row++) {
          const binds = entries.map(([, bind]) =>
            sqliteBind(bind.type, (bind.value as unknown[])[row]),
          );
          changes += statement.run(...binds).changes;
        }
      })();
    } else {
      changes = statement.run(
        ...entries.map(([, bind]) => sqliteBind(bind.type, bind.value)),
      ).changes;
    }
    const typeId = statementTypes[keyword] ?? 0x6000;
    const counted = (name: string): Column => ({ name, type: "fixed", scale: 0, precision: 38 });
    switch (keyword) {
      case "INSERT":
        return resultEnvelope(
          query,
          [counted("number of rows inserted")],
          [[String(changes)]],
          typeId,
        );
      case "UPDATE":
        return resultEnvelope(
          query,
          [counted("number of rows updated"), counted("number of multi-joined rows updated")],
          [[String(changes), "0"]],
          typeId,
        );
      case "DELETE":
        return resultEnvelope(
          query,
          [counted("number of rows deleted")],
          [[String(changes)]],
          typeId,
        );
      case "CREATE": {
        const name = /TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([\w.]+)/i.exec(sql)?.[1] ?? "object";
        return statusResult(query, `Table ${name.toUpperCase()} successfully created.`);
      }
      default:
        return statusResult(query, "Statement executed successfully.");
    }
  }

  function startQuery(
    session: Session,
    requestId: string,
    body: Record<string, unknown>,
    host: string,
  ): Query {
    const sqlText = String(body.sqlText ?? "");
    const query = {
      queryId: randomUUID(),
      requestId,
      session,
      status: "RUNNING",
      cancel: new AbortController(),
    } as Query;
    queries.set(query.queryId, query);
    byRequestId.set(requestId, query);
    const statementTag = (body.parameters as { QUERY_TAG?: unknown } | undefined)?.QUERY_TAG;
    executions.push({
      queryId: query.queryId,
      requestId,
      sqlText,
      sessionId: session.id,
      queryTag: typeof statementTag === "string" ? statementTag : session.queryTag,
    });
    query.done = (async () => {
      await Promise.resolve();
      try {
        const data = await run(
          query,
          sqlText,
          body.bindings as Record<string, { type: string; value: unknown }> | undefined,
          host,
        );
        query.outcome = { data };
        query.status = "SUCCESS";
      } catch (error) {
        const failure = failureOf(error);
        query.outcome = { failure };
        query.status = failure.code === "000604" ? "ABORTED" : "FAILED_WITH_ERROR";
      }
    })();
    return query;
  }

  /** Answers a query's outcome, or `333333` when it is still running after the wait. */
  async function answerQuery(response: ServerResponse, query: Query): Promise<void> {
    const finished = await Promise.race([
      query.done.then(() => true),
      sleep(inProgressAfterMs).then(() => false),
    ]);
    if (!finished) {
      sendJson(response, {
        success: true,
        code: "333333",
        message: "Query execution in progress.",
        data: { queryId: query.queryId, getResultUrl: `/queries/${query.queryId}/result` },
      });
      return;
    }
    const outcome = query.outcome as QueryOutcome;
    if (outcome.failure !== undefined) {
      sendJson(response, failureBody(outcome.failure, query.queryId));
      return;
    }
    sendJson(response, { success: true, code: null, message: null, data: outcome.data });
  }

  function serveChunk(request: IncomingMessage, response: ServerResponse, path: string): void {
    const [, , queryId, index] = path.split("/");
    const query = queries.get(queryId ?? "");
    const chunks = query?.chunks;
    const position = Number(index);
    if (chunks === undefined || !(position >= 0 && position < chunks.starts.length)) {
      response.writeHead(404, { "content-type": "application/xml" });
      response.end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    const data = query?.outcome?.data as { rowtype: Column[] };
    const rows = readRows(
      chunks.session,
      chunks.table,
      data.rowtype,
      chunks.starts[position] as number,
      chunks.counts[position] as number,
    );
    // A chunk file is the rows' JSON without the enclosing brackets.
    const text = rows.map((row) => JSON.stringify(row)).join(",");
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    const body = gzip ? gzipSync(text, { level: 1 }) : Buffer.from(text, "utf8");
    response.writeHead(200, {
      "content-type": "binary/octet-stream",
      "content-length": String(body.length),
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    response.end(body);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://emulator");
    const path = url.pathname;
    const method = request.method ?? "GET";
    requests.push({ method, path, requestId: url.searchParams.get("requestId") });
    const host = request.headers.host ?? "127.0.0.1";
    if (method === "GET" && path.startsWith("/chunks/")) return serveChunk(request, response, path);
    const body = method === "POST" ? await readJson(request) : {};
    if (path === "/session/v1/login-request") {
      return sendJson(response, login(body, url.searchParams));
    }
    if (path === "/telemetry/send") return sendJson(response, { success: true, data: null });
    if (path === "/session/token-request") {
      const header = request.headers.authorization ?? "";
      const token = /Snowflake Token="([^"]*)"/.exec(header)?.[1] ?? "";
      const session = byMasterToken.get(token);
      if (session === undefined || session.masterExpired) {
        return sendJson(
          response,
          failureBody({
            code: "390114",
            sqlState: "08001",
            message: "Authentication token has expired.  The user must authenticate again.",
          }),
        );
      }
      sessions.delete(session.token);
      session.token = `session-${randomUUID()}`;
      session.sessionExpired = false;
      sessions.set(session.token, session);
      return sendJson(response, {
        success: true,
        data: {
          sessionToken: session.token,
          validityInSecondsST: 3600,
          masterToken: session.masterToken,
          validityInSecondsMT: 14_400,
        },
      });
    }
    const session = authenticate(request);
    if (!("db" in session)) return sendJson(response, failureBody(session));
    if (path === "/session" && url.searchParams.get("delete") === "true") {
      closeSession(session);
      return sendJson(response, { success: true, data: null });
    }
    if (path === "/session/heartbeat") {
      heartbeats += 1;
      session.heartbeatTimes.push(Date.now());
      return sendJson(response, { success: true, data: {} });
    }
    if (path === "/queries/v1/query-request") {
      const requestId = url.searchParams.get("requestId") ?? randomUUID();
      const seen = byRequestId.get(requestId);
      const query = seen ?? startQuery(session, requestId, body, host);
      if (body.asyncExec === true && seen === undefined) {
        return sendJson(response, {
          success: true,
          code: "333334",
          message: "Asynchronous execution in progress.",
          data: { queryId: query.queryId, getResultUrl: `/queries/${query.queryId}/result` },
        });
      }
      return answerQuery(response, query);
    }
    if (path === "/queries/v1/abort-request") {
      const requestId = String(body.requestId ?? "");
      const query = byRequestId.get(requestId);
      if (query?.status === "RUNNING") query.cancel.abort();
      return sendJson(response, { success: true, data: null });
    }
    const result = /^\/queries\/([\w-]+)\/result$/.exec(path);
    if (method === "GET" && result) {
      const query = queries.get(result[1] as string);
      if (query === undefined) {
        return sendJson(
          response,
          failureBody({ code: "000709", sqlState: "02000", message: "Statement not found." }),
        );
      }
      return answerQuery(response, query);
    }
    const monitoring = /^\/monitoring\/queries\/([\w-]+)$/.exec(path);
    if (method === "GET" && monitoring) {
      const query = queries.get(monitoring[1] as string);
      return sendJson(response, {
        success: true,
        data: {
          queries:
            query === undefined
              ? []
              : [
                  {
                    id: query.queryId,
                    status: query.status,
                    sqlText: "",
                    errorCode: query.outcome?.failure?.code,
                    errorMessage: query.outcome?.failure?.message,
                  },
                ],
        },
      });
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ success: false, code: "404", message: `no route ${path}` }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, failureBody(failureOf(error)));
      } else {
        response.destroy();
      }
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    account,
    executions,
    requests,
    heartbeats: () => heartbeats,
    sessions: () =>
      allSessions.map((session) => ({
        id: session.id,
        user: session.user,
        role: session.role,
        warehouse: session.warehouse,
        database: session.database,
        schema: session.schema,
        parameters: Object.fromEntries(
          session.parameters.map((parameter) => [parameter.name, parameter.value]),
        ),
        queryTag: session.queryTag,
        heartbeats: [...session.heartbeatTimes],
        open: session.open,
      })),
    openSessions: () => [...sessions.values()].map((session) => session.id),
    expireSessionTokens() {
      for (const session of sessions.values()) session.sessionExpired = true;
    },
    expireMasterTokens() {
      for (const session of sessions.values()) {
        session.sessionExpired = true;
        session.masterExpired = true;
      }
    },
    sql(sqlText, ...binds) {
      const statement = admin.prepare(sqlText);
      if (statement.reader) return statement.all(...binds);
      statement.run(...binds);
      return [];
    },
    async stop() {
      for (const query of queries.values()) query.cancel.abort();
      await closeServer(server);
      for (const session of [...sessions.values()]) closeSession(session);
      admin.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
