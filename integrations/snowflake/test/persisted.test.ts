import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalFileSystem, persisted, ResultStore } from "@tessera/core";
import type { SnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnowflakeBinds } from "../src/index.js";
import { connectorFor, startEmulator } from "./support/emulator.js";

let emulator: SnowflakeEmulator;
let folder: string;
beforeAll(async () => {
  emulator = await startEmulator();
  folder = await mkdtemp(join(tmpdir(), "tessera-snowflake-persisted-"));
});
afterAll(async () => {
  await emulator?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe("a Snowflake query cached with persisted", () => {
  it("is served from the cache for the same SQL and binds, and runs again for other binds", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute(
      "CREATE OR REPLACE TABLE orders (id NUMBER(38,0), day DATE, amount NUMBER(12,2))",
    );
    await connector.executeMany("INSERT INTO orders VALUES (?, ?, ?)", [
      ["9007199254740993", "2024-06-01", "12.50"],
      ["2", "2024-06-01", "3.25"],
      ["3", "2024-06-02", "7.00"],
    ]);
    // The rich serializer keeps bigints and dates as they are.
    const store = new ResultStore({
      storage: new LocalFileSystem({ basePath: folder }),
      serializer: "rich",
    });
    const cachedQuery = persisted(
      (sql: string, binds: SnowflakeBinds) => connector.query(sql, binds),
      { name: "orders", store },
    );
    const sql = "SELECT id, day, amount FROM orders WHERE day = ? ORDER BY id";
    const runs = () => emulator.executions.filter((each) => each.sqlText === sql).length;

    const first = await cachedQuery(sql, ["2024-06-01"]);
    expect(first).toEqual([
      { ID: 2, DAY: new Date("2024-06-01T00:00:00Z"), AMOUNT: 3.25 },
      { ID: 9007199254740993n, DAY: new Date("2024-06-01T00:00:00Z"), AMOUNT: 12.5 },
    ]);
    expect(runs()).toBe(1);

    const second = await cachedQuery(sql, ["2024-06-01"]);
    expect(second).toEqual(first);
    expect(runs()).toBe(1);

    const other = await cachedQuery(sql, ["2024-06-02"]);
    expect(other).toEqual([{ ID: 3, DAY: new Date("2024-06-02T00:00:00Z"), AMOUNT: 7 }]);
    expect(runs()).toBe(2);

    // The same binds after other binds still come from the cache.
    await cachedQuery(sql, ["2024-06-01"]);
    expect(runs()).toBe(2);
  });
});
