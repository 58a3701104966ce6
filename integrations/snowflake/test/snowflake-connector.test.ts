import { SecretValue } from "@tessera/core";
import { errorOf, type SnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SnowflakeConnectionError,
  SnowflakeConnector,
  SnowflakeCredentials,
  SnowflakeQueryError,
} from "../src/index.js";
import {
  connectorFor,
  encryptedKey,
  oauthToken,
  passphrase,
  password,
  startEmulator,
} from "./support/emulator.js";

let emulator: SnowflakeEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("SnowflakeConnector", () => {
  const modes = [
    { authenticator: "password", password },
    { authenticator: "key-pair", privateKey: encryptedKey, privateKeyPassphrase: passphrase },
    { authenticator: "oauth", token: oauthToken },
  ];
  for (const mode of modes) {
    it(`connects with ${mode.authenticator} credentials and runs the query it is given`, async () => {
      await using connector = new SnowflakeConnector({
        credentials: new SnowflakeCredentials({
          account: "acme",
          user: "loader",
          accessUrl: emulator.endpoint,
          ...mode,
        } as never),
      });
      expect(await connector.query("SELECT CURRENT_USER() AS who, ? AS n", [7])).toEqual([
        { WHO: "LOADER", N: 7 },
      ]);
    });
  }

  it("refuses a wrong password with a coded error naming the account and not the password", async () => {
    const connector = new SnowflakeConnector({
      credentials: new SnowflakeCredentials({
        account: "acme",
        user: "loader",
        authenticator: "password",
        password: "wrong-password-0000",
        accessUrl: emulator.endpoint,
      }),
    });
    const error = await errorOf(() => connector.query("SELECT 1"));
    expect(SnowflakeConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ account: "acme", user: "loader", snowflakeCode: "390100" });
    expect(error.message).not.toContain("wrong-password-0000");
  });

  it("answers typed rows: exact integers beyond 2^53, exact decimals, booleans, dates and parsed variants", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute(
      "CREATE OR REPLACE TABLE typed (id NUMBER(38,0), small NUMBER(38,0), price NUMBER(12,2), ratio FLOAT, ok BOOLEAN, day DATE, at TIMESTAMP_NTZ, payload VARIANT, note VARCHAR)",
    );
    await connector.execute("INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?, ?, PARSE_JSON(?), ?)", [
      "9223372036854775807",
      42,
      "1234567890.25",
      0.5,
      true,
      "2024-02-29",
      new Date("2024-02-29T12:34:56.789Z"),
      JSON.stringify({ tags: ["a", "b"], n: 1 }),
      null,
    ]);
    const [row] = await connector.query("SELECT * FROM typed");
    expect(row).toEqual({
      ID: 9223372036854775807n,
      SMALL: 42,
      PRICE: 1234567890.25,
      RATIO: 0.5,
      OK: true,
      DAY: expect.any(Date),
      AT: new Date("2024-02-29T12:34:56.789Z"),
      PAYLOAD: { tags: ["a", "b"], n: 1 },
      NOTE: null,
    });
    expect((row?.DAY as Date).toISOString().slice(0, 10)).toBe("2024-02-29");
    expect(Object.getPrototypeOf(row?.AT)).toBe(Date.prototype);
  });

  it("returns affected row counts from execute and executeMany, which sends one array bind", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute("CREATE OR REPLACE TABLE items (id INTEGER, name VARCHAR)");
    const before = emulator.executions.length;
    const rows = Array.from({ length: 250 }, (_, index) => [index, `item ${index}`]);
    expect(await connector.executeMany("INSERT INTO items VALUES (?, ?)", rows)).toBe(250);
    expect(emulator.executions.length - before).toBe(1);
    expect(await connector.execute("UPDATE items SET name = 'even' WHERE id % 2 = 0")).toBe(125);
    expect(await connector.execute("DELETE FROM items WHERE id >= :1", [200])).toBe(50);
    expect(await connector.query("SELECT count(*) AS n FROM items")).toEqual([{ N: 200 }]);
  });

  it("commits a transaction that resolves and rolls back one that throws", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute("CREATE OR REPLACE TABLE ledger (v INTEGER)");
    const result = await connector.transaction(async (tx) => {
      await tx.execute("INSERT INTO ledger VALUES (1)");
      return (await tx.query("SELECT count(*) AS n FROM ledger"))[0]?.N;
    });
    expect(result).toBe(1);
    const failure = await connector
      .transaction(async (tx) => {
        await tx.executeMany("INSERT INTO ledger VALUES (?)", [[2], [3]]);
        throw new Error("changed my mind");
      })
      .catch((error: unknown) => error);
    expect((failure as Error).message).toBe("changed my mind");
    expect(await connector.query("SELECT v FROM ledger ORDER BY v")).toEqual([{ V: 1 }]);
  });

  it("reports SQL errors with Snowflake's code, SQL state and query id, without the secret binds", async () => {
    await using connector = connectorFor(emulator.endpoint);
    const secretBind = SecretValue.from("bind-secret-3e9a");
    const error = await errorOf(() =>
      connector.query("SELECT * FROM no_such_table WHERE token = ?", [secretBind]),
    );
    expect(SnowflakeQueryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ snowflakeCode: "002003", sqlState: "42S02" });
    expect((error as SnowflakeQueryError).queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain("NO_SUCH_TABLE");
    expect(JSON.stringify(error)).not.toContain("bind-secret-3e9a");
    expect(error.message).not.toContain("bind-secret-3e9a");
  });

  it("reuses one session for every call and ends it on close and on async dispose", async () => {
    const opened = emulator.openSessions().length;
    {
      await using connector = connectorFor(emulator.endpoint);
      await connector.query("SELECT 1 AS one");
      await connector.execute("CREATE OR REPLACE TABLE reuse (v INTEGER)");
      await connector.query("SELECT 2 AS two");
      expect(emulator.openSessions().length).toBe(opened + 1);
    }
    expect(emulator.openSessions().length).toBe(opened);
    const connector = connectorFor(emulator.endpoint);
    await connector.query("SELECT 1 AS one");
    await connector.close();
    expect(emulator.openSessions().length).toBe(opened);
    expect(await connector.query("SELECT 3 AS three")).toEqual([{ THREE: 3 }]);
    await connector.close();
  });

  it("runs the statement it is given on every call, with no cursor kept between calls", async () => {
    await using connector = connectorFor(emulator.endpoint);
    const sql =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n";
    expect(await connector.query(sql)).toEqual([{ I: 1 }, { I: 2 }, { I: 3 }]);
    expect(await connector.query(sql)).toEqual([{ I: 1 }, { I: 2 }, { I: 3 }]);
  });
});
