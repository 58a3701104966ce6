import { describe, expect, it } from "vitest";
import { LoadBatcher } from "./load-batch.js";

/** A batcher whose sends wait until `connect()` hands them a connection, in order. */
function batcher(maxInFlight = 2) {
  const sends: Array<{ keys?: string[]; connect(): void; fail(error: Error): void }> = [];
  const rows = new Map([
    ["a", { key: "a" }],
    ["b", { key: "b" }],
  ]);
  const loads = new LoadBatcher<string, { key: string }>(
    (key) => key,
    (take) =>
      new Promise((resolve, reject) => {
        const send = {
          keys: undefined as string[] | undefined,
          connect() {
            send.keys = take();
            resolve(
              new Map(send.keys.flatMap((key) => (rows.has(key) ? [[key, rows.get(key)!]] : []))),
            );
          },
          fail: reject,
        };
        sends.push(send);
      }),
    maxInFlight,
  );
  return { loads, sends };
}

describe("LoadBatcher", () => {
  it("sends the loads asked while a batch waits for its connection together, each key once", async () => {
    const { loads, sends } = batcher();
    const first = [loads.load("a"), loads.load("b"), loads.load("a"), loads.load("missing")];
    expect(sends).toHaveLength(1);
    sends[0]!.connect();
    expect(sends[0]!.keys).toEqual(["a", "b", "missing"]);
    expect(await Promise.all(first)).toEqual([{ key: "a" }, { key: "b" }, { key: "a" }, undefined]);
  });

  it("starts a new batch for a load asked once the waiting one was sent, so no answer predates its question", async () => {
    const { loads, sends } = batcher();
    const early = loads.load("a");
    sends[0]!.connect();
    const late = loads.load("a");
    expect(sends).toHaveLength(2);
    expect(sends[1]!.keys).toBeUndefined();
    sends[1]!.connect();
    expect(sends[1]!.keys).toEqual(["a"]);
    expect(await Promise.all([early, late])).toEqual([{ key: "a" }, { key: "a" }]);
  });

  it("sends at most maxInFlight batches at once; the batch that waits for a slot keeps gathering loads and goes when one is answered", async () => {
    const { loads, sends } = batcher(1);
    const first = loads.load("a");
    sends[0]!.connect();
    const waiting = [loads.load("a"), loads.load("b")];
    expect(sends).toHaveLength(1);
    const later = loads.load("missing");
    expect(sends).toHaveLength(1);
    expect(await first).toEqual({ key: "a" });
    expect(sends).toHaveLength(2);
    sends[1]!.connect();
    expect(sends[1]!.keys).toEqual(["a", "b", "missing"]);
    expect(await Promise.all([...waiting, later])).toEqual([{ key: "a" }, { key: "b" }, undefined]);
  });

  it("fails every load of a batch that could not be sent, and the next load starts afresh", async () => {
    const { loads, sends } = batcher();
    const failed = [loads.load("a"), loads.load("b")];
    sends[0]!.fail(new Error("database unavailable"));
    for (const load of failed) await expect(load).rejects.toThrow("database unavailable");
    const next = loads.load("b");
    expect(sends).toHaveLength(2);
    sends[1]!.connect();
    expect(await next).toEqual({ key: "b" });
  });
});
