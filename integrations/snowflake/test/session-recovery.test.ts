import { type SnowflakeEmulator, startFaultProxy } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnowflakeQueryError } from "../src/index.js";
import { connectorFor, startEmulator } from "./support/emulator.js";

let emulator: SnowflakeEmulator;
beforeAll(async () => {
  emulator = await startEmulator(2000);
});
afterAll(async () => {
  await emulator?.stop();
});

const rowsSql = (count: number) =>
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) SELECT i AS id, printf('%040d', i) AS pad FROM n`;

describe("SnowflakeConnector sessions and faults", () => {
  it("logs in again once when the session expired mid-run, and the statement runs exactly once", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute("CREATE OR REPLACE TABLE runs (v INTEGER)");
    await connector.execute("INSERT INTO runs VALUES (1)");
    const sessionsBefore = emulator.openSessions();
    emulator.expireMasterTokens();
    const executionsBefore = emulator.executions.length;
    expect(await connector.execute("INSERT INTO runs VALUES (2)")).toBe(1);
    const runs = emulator.executions.slice(executionsBefore);
    expect(runs.map((run) => run.sqlText)).toEqual(["INSERT INTO runs VALUES (2)"]);
    expect(emulator.openSessions().filter((id) => !sessionsBefore.includes(id))).toHaveLength(1);
    expect(emulator.requests.some((request) => request.path === "/session/token-request")).toBe(
      true,
    );
    expect(await connector.query("SELECT count(*) AS n FROM runs")).toEqual([{ N: 2 }]);
  });

  it("finishes a stream whose session expires while its chunks are being read", async () => {
    await using connector = connectorFor(emulator.endpoint);
    let count = 0;
    for await (const row of connector.stream(rowsSql(9000))) {
      count += 1;
      if (count === 100) emulator.expireMasterTokens();
      expect(row.ID).toBe(count);
    }
    expect(count).toBe(9000);
  });

  it("resubmits a statement whose answer was lost on the network with the same request id, so it runs once", async () => {
    const proxy = await startFaultProxy(emulator.endpoint);
    try {
      await using connector = connectorFor(proxy.endpoint);
      await connector.execute("CREATE OR REPLACE TABLE once_only (v INTEGER)");
      proxy.addRule({
        match: (request) => request.path === "/queries/v1/query-request",
        times: 1,
        action: { kind: "cut-response", afterBytes: 10 },
      });
      expect(await connector.execute("INSERT INTO once_only VALUES (1)")).toBe(1);
      const posts = proxy.requests.filter(
        (request) => request.path === "/queries/v1/query-request",
      );
      const ids = posts.slice(-2).map((request) => request.query.get("requestId"));
      expect(posts.at(-2)?.outcome).toBe("cut-response");
      expect(ids[0]).toBe(ids[1]);
      expect(emulator.executions.filter((run) => run.requestId === ids[0])).toHaveLength(1);
      expect(await connector.query("SELECT count(*) AS n FROM once_only")).toEqual([{ N: 1 }]);
    } finally {
      await proxy.stop();
    }
  });

  it("retries a chunk download cut part-way and delivers every row once, in order", async () => {
    const proxy = await startFaultProxy(emulator.endpoint);
    try {
      await using connector = connectorFor(proxy.endpoint);
      proxy.addRule({
        match: (request) => request.path.endsWith("/1") && request.path.startsWith("/chunks/"),
        times: 1,
        action: { kind: "cut-response", afterBytes: 1000 },
      });
      let expected = 1;
      for await (const row of connector.stream(rowsSql(7000))) {
        expect(row.ID).toBe(expected);
        expected += 1;
      }
      expect(expected).toBe(7001);
      const chunkOne = proxy.requests.filter(
        (request) => request.path.startsWith("/chunks/") && request.path.endsWith("/1"),
      );
      expect(chunkOne.map((request) => request.outcome)).toEqual(["cut-response", "forwarded"]);
    } finally {
      await proxy.stop();
    }
  });

  it("fails a stream with a coded error, instead of hanging, when a chunk can never be downloaded", async () => {
    const proxy = await startFaultProxy(emulator.endpoint);
    try {
      await using connector = connectorFor(proxy.endpoint);
      proxy.addRule({
        match: (request) => request.path.startsWith("/chunks/"),
        action: {
          kind: "respond",
          status: 404,
          headers: { "content-type": "application/xml" },
          body: "<Error/>",
        },
      });
      let count = 0;
      const failure = await (async () => {
        for await (const _row of connector.stream(rowsSql(5000))) count += 1;
      })().catch((error: unknown) => error);
      expect(SnowflakeQueryError.isInstance(failure)).toBe(true);
      expect(count).toBe(2000);
    } finally {
      await proxy.stop();
    }
  });
});
