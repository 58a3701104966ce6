import { createHash } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  LocalFileSystem,
  persisted,
  persistedKey,
  ResultStore,
  resolveDefaultResultStorage,
  setDefaultResultStorage,
} from "../src/index.js";
import { useTestHarness } from "../src/testing/index.js";

const harness = useTestHarness({ beforeEach, afterEach });

describe("persisted", () => {
  let store: ResultStore;
  beforeEach(() => {
    store = new ResultStore({
      storage: new LocalFileSystem({ basePath: join(harness.home, "cache") }),
    });
  });
  afterEach(() => {
    setDefaultResultStorage(undefined);
    delete process.env.TESSERA_RESULT_STORAGE;
  });

  it("runs the function once and returns the stored result while it is fresh", async () => {
    let runs = 0;
    const square = persisted(
      async (n: number) => {
        runs++;
        return { square: n * n };
      },
      { store },
    );
    expect(await square(4)).toEqual({ square: 16 });
    expect(await square(4)).toEqual({ square: 16 });
    expect(runs).toBe(1);
    expect(await square(5)).toEqual({ square: 25 });
    expect(runs).toBe(2);
  });

  it("finds the result again from a fresh wrapper, as another process would", async () => {
    let runs = 0;
    const make = () =>
      persisted(
        function total(items: number[]) {
          runs++;
          return items.reduce((sum, item) => sum + item, 0);
        },
        { store, version: "1" },
      );
    expect(await make()([1, 2, 3])).toBe(6);
    expect(await make()([1, 2, 3])).toBe(6);
    expect(runs).toBe(1);
  });

  it("never shares a result between two different functions called with the same inputs", async () => {
    const double = persisted((n: number) => n * 2, { store });
    const triple = persisted((n: number) => n * 3, { store });
    expect(await double(7)).toBe(14);
    expect(await triple(7)).toBe(21);
    const a = persisted(
      function same(n: number) {
        return n + 1;
      },
      { store },
    );
    const b = persisted(
      function same(n: number) {
        return n + 2;
      },
      { store },
    );
    expect(await a(1)).toBe(2);
    expect(await b(1)).toBe(3);
  });

  it("shares results across edits while the version stays, and recomputes when it changes", async () => {
    const v1 = persisted(
      function price() {
        return 10;
      },
      { store, version: "2024-06" },
    );
    const edited = persisted(
      function price() {
        return 11;
      },
      { store, version: "2024-06" },
    );
    const v2 = persisted(
      function price() {
        return 12;
      },
      { store, version: "2024-07" },
    );
    expect(await v1()).toBe(10);
    expect(await edited()).toBe(10);
    expect(await v2()).toBe(12);
  });

  it("hashes inputs canonically: key order does not matter, types do", async () => {
    let runs = 0;
    const describeInput = persisted(
      (input: unknown) => {
        runs++;
        return typeof input;
      },
      { store, version: "1", name: "describe-input" },
    );
    await describeInput({ a: 1, b: 2 });
    await describeInput({ b: 2, a: 1 });
    expect(runs).toBe(1);
    await describeInput(new Map());
    await describeInput({});
    await describeInput(new Date(0));
    await describeInput(new Date(0).toISOString());
    await describeInput(1n);
    await describeInput("1");
    expect(runs).toBe(7);
  });

  it("documents its default key: SHA-256 of canonical JSON of the recipe, the function and the inputs", () => {
    function add(a: number, b: number) {
      return a + b;
    }
    const canonical =
      '{"function":{"name":"add","version":"1"},"inputs":[1,{"x":1,"y":2}],"recipe":"tessera.persisted/1"}';
    const expected = createHash("sha256").update(canonical).digest("hex");
    expect(persistedKey(add, [1, { y: 2, x: 1 }], { version: "1" })).toBe(
      `persisted/add/${expected}`,
    );
    // A golden vector: this key is the same on every machine, in every process and release.
    expect(persistedKey(add, [1, 2], { version: "1" })).toBe(
      "persisted/add/ee6a6443b0452f2c887771211ea160bd079757bd8f70b3faf8da21ae9fb156fe",
    );
    expect(persistedKey(() => 1, [])).toMatch(/^persisted\/anonymous\/[0-9a-f]{64}$/);
    expect(persistedKey(add, [], { name: "../../etc" })).toMatch(/^persisted\/etc\/[0-9a-f]{64}$/);
  });

  it("refuses arguments no key can describe with INVALID_INPUT naming the argument, and never runs the function", async () => {
    let runs = 0;
    const summarise = persisted(
      async (_options: unknown, _callback?: unknown) => {
        runs++;
        return 1;
      },
      { store },
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [args, where] of [
      [[cyclic], "argument 1.self"],
      [[{}, () => 1], "argument 2"],
    ] as const) {
      let thrown: { code?: string; message: string } | undefined;
      try {
        await summarise(...(args as unknown as [unknown, unknown]));
      } catch (error) {
        thrown = error as { code?: string; message: string };
      }
      expect(thrown?.code).toBe("INVALID_INPUT");
      expect(thrown?.message).toContain(where);
      expect(thrown?.message).toContain("`key`");
      expect(thrown?.message).not.toContain("serializer");
    }
    expect(runs).toBe(0);
    // An explicit key needs no description of the arguments.
    const keyed = persisted(async (_callback: () => number) => "ran", { store, key: "fixed" });
    expect(await keyed(() => 1)).toBe("ran");
  });

  it("runs the function again once its result has expired", async () => {
    let runs = 0;
    const now = persisted(() => ++runs, { store, expiresIn: 0 });
    expect(await now()).toBe(1);
    expect(await now()).toBe(2);
  });

  it("runs the function and replaces the stored result when asked to refresh", async () => {
    let runs = 0;
    const counter = persisted(() => ++runs, { store, key: "counter" });
    const refreshing = persisted(() => ++runs, { store, key: "counter", refresh: true });
    expect(await counter()).toBe(1);
    expect(await refreshing()).toBe(2);
    expect(await counter()).toBe(2);
  });

  it("runs the function once for concurrent calls with one key", async () => {
    let runs = 0;
    const slow = persisted(
      async (n: number) => {
        runs++;
        await sleep(50);
        return n;
      },
      { store },
    );
    const results = await Promise.all([slow(1), slow(1), slow(1), slow(1), slow(2)]);
    expect(results).toEqual([1, 1, 1, 1, 2]);
    expect(runs).toBe(2);
  });

  it("recomputes and replaces a stored result that is corrupted", async () => {
    let runs = 0;
    const value = persisted(() => ++runs, { store, key: "fragile" });
    expect(await value()).toBe(1);
    const metadata = await store.info("fragile");
    await writeFile(join(harness.home, "cache", `fragile.${metadata!.payloadId}.payload`), "9");
    expect(await value()).toBe(2);
    expect(await value()).toBe(2);
  });

  it("does not store a failure, so the next call runs again", async () => {
    let runs = 0;
    const flaky = persisted(
      async () => {
        runs++;
        if (runs === 1) throw new Error("first run fails");
        return "ok";
      },
      { store },
    );
    await expect(flaky()).rejects.toThrow("first run fails");
    expect(await flaky()).toBe("ok");
    expect(runs).toBe(2);
  });

  it("stores results in $TESSERA_HOME/results by default", async () => {
    const value = persisted(() => "default", { key: "where" });
    expect(await value()).toBe("default");
    expect(await readdir(join(harness.home, "results"))).toContain("where.meta.json");
    const storage = await resolveDefaultResultStorage();
    expect(storage).toBeInstanceOf(LocalFileSystem);
  });

  it("uses the storage block named by TESSERA_RESULT_STORAGE", async () => {
    await new LocalFileSystem({ basePath: join(harness.home, "elsewhere") }).save("elsewhere");
    process.env.TESSERA_RESULT_STORAGE = "local-file-system/elsewhere";
    expect(await persisted(() => 1, { key: "env" })()).toBe(1);
    expect(await readdir(join(harness.home, "elsewhere"))).toContain("env.meta.json");
  });

  it("names TESSERA_RESULT_STORAGE when the slug it holds is malformed or names no saved block", async () => {
    const failureOf = async (setting: string) => {
      process.env.TESSERA_RESULT_STORAGE = setting;
      try {
        await persisted(() => 3, { key: "env" })();
      } catch (error) {
        return error as { code: string; message: string; cause?: { code: string } };
      }
      throw new Error("expected the call to fail");
    };
    const malformed = await failureOf("results!!");
    expect(malformed.code).toBe("INVALID_RESULT_STORAGE");
    expect(malformed.cause?.code).toBe("INVALID_SLUG");
    expect(malformed.message).toContain('TESSERA_RESULT_STORAGE="results!!"');
    expect(malformed.message).toContain("unset it");

    const missing = await failureOf("local-file-system/nowhere");
    expect(missing.code).toBe("INVALID_RESULT_STORAGE");
    expect(missing.cause?.code).toBe("BLOCK_NOT_FOUND");
    expect(missing.message).toContain('TESSERA_RESULT_STORAGE="local-file-system/nowhere"');
  });

  it("uses the storage set with setDefaultResultStorage", async () => {
    setDefaultResultStorage(new LocalFileSystem({ basePath: join(harness.home, "configured") }));
    expect(await persisted(() => 2, { key: "set" })()).toBe(2);
    expect(await readdir(join(harness.home, "configured"))).toContain("set.meta.json");
  });
});
