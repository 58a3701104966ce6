import { generateKeyPairSync } from "node:crypto";
import snowflake from "snowflake-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SnowflakeEmulator, startSnowflakeEmulator } from "../src/index.js";

snowflake.configure({ logLevel: "OFF" });

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

let emulator: SnowflakeEmulator;
beforeAll(async () => {
  emulator = await startSnowflakeEmulator({
    account: "ACME",
    rowsPerChunk: 1000,
    inProgressAfterMs: 300,
    users: {
      LOADER: {
        password: "loader-pw",
        publicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
        oauthToken: "oauth-token",
      },
    },
  });
});
afterAll(async () => {
  await emulator?.stop();
});

function connect(options: Record<string, unknown> = {}): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection({
    account: "acme",
    username: "loader",
    password: "loader-pw",
    accessUrl: emulator.endpoint,
    ...options,
  } as snowflake.ConnectionOptions);
  return new Promise((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve(connection))),
  );
}

function execute(
  connection: snowflake.Connection,
  sqlText: string,
  binds?: snowflake.Binds,
): Promise<{ rows: Record<string, unknown>[]; statement: snowflake.RowStatement }> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds === undefined ? {} : { binds }),
      complete: (error, statement, rows) =>
        error
          ? reject(error)
          : resolve({ rows: (rows ?? []) as Record<string, unknown>[], statement }),
    });
  });
}

function destroy(connection: snowflake.Connection): Promise<void> {
  return new Promise((resolve, reject) =>
    connection.destroy((error) => (error ? reject(error) : resolve())),
  );
}

describe("the Snowflake emulator, driven by snowflake-sdk", () => {
  it("logs in with a password, a key pair's JWT or an OAuth token, and refuses wrong ones with Snowflake's codes", async () => {
    for (const options of [
      {},
      { authenticator: "SNOWFLAKE_JWT", privateKey, password: undefined },
      { authenticator: "OAUTH", token: "oauth-token", password: undefined },
    ]) {
      const connection = await connect(options);
      const { rows } = await execute(connection, "SELECT CURRENT_USER() AS who");
      expect(rows).toEqual([{ WHO: "LOADER" }]);
      await destroy(connection);
    }
    await expect(connect({ password: "wrong" })).rejects.toMatchObject({ code: "390100" });
    await expect(
      connect({ authenticator: "SNOWFLAKE_JWT", privateKey: otherKey, password: undefined }),
    ).rejects.toMatchObject({ code: "390144" });
    await expect(
      connect({ authenticator: "OAUTH", token: "stolen", password: undefined }),
    ).rejects.toMatchObject({ code: "390303" });
  });

  it("runs SQL on a real engine with binds and answers typed columns, DML counts and SQL errors", async () => {
    const connection = await connect({ jsTreatIntegerAsBigInt: true });
    await execute(
      connection,
      "CREATE OR REPLACE TABLE events (id NUMBER(38,0), amount NUMBER(10,2), ok BOOLEAN, day DATE, at TIMESTAMP_NTZ, payload VARIANT, note VARCHAR)",
    );
    const insert = await execute(
      connection,
      "INSERT INTO events VALUES (?, ?, ?, ?, ?, PARSE_JSON(?), :7)",
      [
        "9007199254740993",
        12.5,
        true,
        "2024-02-29",
        "2024-02-29T12:34:56.789Z",
        '{"a":[1,2]}',
        "first",
      ],
    );
    expect(insert.statement.getNumUpdatedRows()).toBe(1);
    const { rows } = await execute(connection, "SELECT * FROM events WHERE note = :1", ["first"]);
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    expect(String(row.ID)).toBe("9007199254740993");
    expect(row.AMOUNT).toBe(12.5);
    expect(row.OK).toBe(true);
    expect((row.DAY as Date).toISOString?.() ?? String(row.DAY)).toContain("2024-02-29");
    expect(new Date(row.AT as Date).getTime()).toBe(Date.parse("2024-02-29T12:34:56.789Z"));
    expect(row.PAYLOAD).toEqual({ a: [1, 2] });
    const error = await execute(connection, "SELECT * FROM missing_table").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "002003", sqlState: "42S02" });
    expect((error as { data: { queryId: string } }).data.queryId).toMatch(/^[0-9a-f-]{36}$/);
    await destroy(connection);
  });

  it("serves large results as chunks from loopback URLs that streamRows reads in order", async () => {
    const connection = await connect();
    const statement = connection.execute({
      sqlText:
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500) SELECT i AS id, 'row ' || i AS label FROM n",
      streamResult: true,
    });
    let count = 0;
    let last = 0;
    await new Promise<void>((resolve, reject) => {
      statement
        .streamRows()
        .on("data", (row: { ID: number; LABEL: string }) => {
          count += 1;
          expect(row.ID).toBe(last + 1);
          last = row.ID;
        })
        .on("error", reject)
        .on("end", () => resolve());
    });
    expect(count).toBe(4500);
    const chunkRequests = emulator.requests.filter((request) =>
      request.path.startsWith("/chunks/"),
    );
    expect(chunkRequests).toHaveLength(4);
    await destroy(connection);
  });

  it("answers a resubmitted request id with the first run's outcome instead of running it again", async () => {
    const connection = await connect();
    await execute(connection, "CREATE OR REPLACE TABLE once (v INTEGER)");
    const requestId = "5d2c5b6e-2c1f-4a53-9d5a-6f0d8c1b0a11";
    for (let attempt = 0; attempt < 2; attempt++) {
      await new Promise<void>((resolve, reject) =>
        connection.execute({
          sqlText: "INSERT INTO once VALUES (1)",
          requestId,
          complete: (error) => (error ? reject(error) : resolve()),
        }),
      );
    }
    expect(emulator.sql("SELECT count(*) AS n FROM once")).toEqual([{ n: 1 }]);
    expect(emulator.executions.filter((run) => run.requestId === requestId)).toHaveLength(1);
    await destroy(connection);
  });

  it("reports a slow query in progress, polls it to the end, and cancels one on request", async () => {
    const connection = await connect();
    const { rows } = await execute(connection, "SELECT SYSTEM$WAIT(0.6)");
    expect(rows).toEqual([{ SYSTEM$WAIT: "waited 0.6 seconds" }]);
    const asyncRun = await new Promise<string>((resolve, reject) =>
      connection.execute({
        sqlText: "SELECT SYSTEM$WAIT(0.2)",
        asyncExec: true,
        complete: (error, statement) => (error ? reject(error) : resolve(statement.getQueryId())),
      }),
    );
    expect(await connection.getQueryStatus(asyncRun)).toMatch(/RUNNING|SUCCESS/);
    const results = await new Promise<unknown[]>((resolve, reject) => {
      connection
        .getResultsFromQueryId({ queryId: asyncRun, sqlText: "" } as never)
        .then((statement) => {
          const rows: unknown[] = [];
          statement
            .streamRows()
            .on("data", (row: unknown) => rows.push(row))
            .on("error", reject)
            .on("end", () => resolve(rows));
        }, reject);
    });
    expect(results).toHaveLength(1);
    const slow = connection.execute({ sqlText: "SELECT SYSTEM$WAIT(30)", complete: () => {} });
    const cancelled = new Promise((resolve) => {
      (slow as unknown as { complete?: unknown }).complete = undefined;
      setTimeout(() => slow.cancel((error) => resolve(error ?? "cancelled")), 100);
    });
    expect(await cancelled).toBe("cancelled");
    await destroy(connection);
  });

  it("answers 390112 to an expired session token, which the driver renews, and 390114 once the master token expired", async () => {
    const connection = await connect();
    emulator.expireSessionTokens();
    expect((await execute(connection, "SELECT 1 AS one")).rows).toEqual([{ ONE: 1 }]);
    expect(emulator.requests.some((request) => request.path === "/session/token-request")).toBe(
      true,
    );
    emulator.expireMasterTokens();
    await expect(execute(connection, "SELECT 1 AS one")).rejects.toMatchObject({ code: "390114" });
  });

  it("counts heartbeats and forgets a deleted session", async () => {
    const connection = await connect();
    const before = emulator.heartbeats();
    await new Promise<void>((resolve, reject) =>
      (connection as unknown as { heartbeat(callback: (error?: Error) => void): void }).heartbeat(
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    expect(emulator.heartbeats()).toBe(before + 1);
    const open = emulator.openSessions().length;
    await destroy(connection);
    expect(emulator.openSessions()).toHaveLength(open - 1);
  });

  it("records the session parameters and query tag the driver sends at login and with each statement", async () => {
    const connection = await connect({ queryTag: "nightly-load", clientSessionKeepAlive: false });
    const { statement } = await execute(connection, "SELECT 1 AS one");
    const session = emulator.sessions().at(-1);
    expect(session?.parameters).toMatchObject({
      QUERY_TAG: "nightly-load",
      CLIENT_SESSION_KEEP_ALIVE: false,
    });
    expect(session?.queryTag).toBe("nightly-load");
    const execution = emulator.executions.find((each) => each.queryId === statement.getQueryId());
    expect(execution?.queryTag).toBe("nightly-load");
    await execute(connection, "ALTER SESSION SET QUERY_TAG = 'changed'");
    expect(emulator.sessions().find((each) => each.id === session?.id)?.queryTag).toBe("changed");
    await destroy(connection);
    expect(emulator.sessions().find((each) => each.id === session?.id)?.open).toBe(false);
  });
});
