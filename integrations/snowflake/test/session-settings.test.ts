import type { SnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor, startEmulator } from "./support/emulator.js";

// The account answers a heartbeat frequency of a fifth of a second at login (Snowflake answers
// the frequency in effect, and the driver schedules heartbeats with it), so a test sees several.
const frequencySeconds = 0.2;

let emulator: SnowflakeEmulator;
beforeAll(async () => {
  emulator = await startEmulator(5000, { heartbeatFrequencySeconds: frequencySeconds });
});
afterAll(async () => {
  await emulator?.stop();
});

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The emulator's record of the session that ran the last statement. */
function lastSession() {
  const sessionId = emulator.executions.at(-1)?.sessionId;
  const session = emulator.sessions().find((each) => each.id === sessionId);
  if (session === undefined) throw new Error("no statement ran");
  return session;
}

describe("SnowflakeConnector session settings", () => {
  it("keeps its session alive with heartbeats at the frequency in effect, and stops when closed", async () => {
    const connector = connectorFor(emulator.endpoint, { heartbeatSeconds: 900 });
    await connector.query("SELECT 1 AS one");
    const session = lastSession();
    expect(session.parameters).toMatchObject({
      CLIENT_SESSION_KEEP_ALIVE: true,
      CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY: 900,
    });
    await sleep(1300);
    const beats = emulator.sessions().find((each) => each.id === session.id)?.heartbeats ?? [];
    expect(beats.length).toBeGreaterThanOrEqual(3);
    // One heartbeat per period, not a burst: the mean gap is about the frequency.
    const meanGap = ((beats.at(-1) as number) - (beats[0] as number)) / (beats.length - 1);
    expect(meanGap).toBeGreaterThanOrEqual(frequencySeconds * 1000 * 0.75);
    await connector.close();
    const afterClose = emulator.sessions().find((each) => each.id === session.id);
    await sleep(600);
    expect(afterClose?.open).toBe(false);
    expect(emulator.sessions().find((each) => each.id === session.id)?.heartbeats).toHaveLength(
      afterClose?.heartbeats.length ?? -1,
    );
  });

  it("sends no heartbeat when keepAlive is off", async () => {
    await using connector = connectorFor(emulator.endpoint, { keepAlive: false });
    await connector.query("SELECT 1 AS one");
    const session = lastSession();
    expect(session.parameters).toMatchObject({ CLIENT_SESSION_KEEP_ALIVE: false });
    await sleep(800);
    expect(emulator.sessions().find((each) => each.id === session.id)?.heartbeats).toEqual([]);
  });

  it("sets queryTag on the session and on every statement, transactions included", async () => {
    await using connector = connectorFor(emulator.endpoint, {
      queryTag: "tessera-nightly",
      keepAlive: false,
    });
    const start = emulator.executions.length;
    await connector.query("SELECT 1 AS one");
    const session = lastSession();
    expect(session.parameters).toMatchObject({ QUERY_TAG: "tessera-nightly" });
    expect(session.queryTag).toBe("tessera-nightly");
    await connector.transaction(async (tx) => {
      await tx.query("SELECT 2 AS two");
    });
    const ran = emulator.executions.slice(start);
    expect(ran.map((each) => each.sqlText)).toEqual([
      "SELECT 1 AS one",
      "BEGIN TRANSACTION",
      "SELECT 2 AS two",
      "COMMIT",
    ]);
    for (const execution of ran) expect(execution.queryTag).toBe("tessera-nightly");
    expect(new Set(ran.map((each) => each.sessionId)).size).toBe(2);
  });
});
