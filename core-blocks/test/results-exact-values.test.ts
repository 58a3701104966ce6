import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalFileSystem, persisted, ResultStore } from "../src/index.js";
import { useTestHarness } from "../src/testing/index.js";

const harness = useTestHarness({ beforeEach, afterEach });

async function errorOf(
  action: () => Promise<unknown>,
): Promise<{ code?: string; message: string; reason?: string }> {
  try {
    await action();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the action to fail");
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Values plain JSON would give back changed, and where in them the change is. */
function lossyValues(): [label: string, value: unknown, where: string][] {
  const sparse: number[] = [1];
  sparse[2] = 3;
  return [
    ["a Date", new Date("2024-06-01T00:00:00.000Z"), "$"],
    ["a Map", new Map([["orders", 1]]), "$"],
    ["a Set", new Set([1, 2]), "$"],
    ["a BigInt", 12n, "$"],
    ["a Date nested in objects and arrays", { rows: [{ at: new Date(0) }] }, "$.rows[0].at"],
    ["undefined in an array", [1, undefined], "$[1]"],
    ["undefined in an object", { kept: 1, missing: undefined }, "$.missing"],
    ["-0", { zero: -0 }, "$.zero"],
    ["NaN", [Number.NaN], "$[0]"],
    ["Infinity", { big: Number.POSITIVE_INFINITY }, "$.big"],
    ["a hole in an array", sparse, "$[1]"],
    ["a class instance", { at: new Point(1, 2) }, "$.at"],
    ["a typed array", { samples: new Float64Array([1.5]) }, "$.samples"],
    ["a Buffer", Buffer.from("bytes"), "$"],
    ["a function in an object", { run: () => 1 }, "$.run"],
    ["a symbol-keyed property", { [Symbol("id")]: 1 }, "$[Symbol(id)]"],
  ];
}

describe("persisted returns the same value on a hit as on a miss", () => {
  let storage: LocalFileSystem;
  beforeEach(() => {
    storage = new LocalFileSystem({ basePath: join(harness.home, "storage") });
  });

  for (const [label, value, where] of lossyValues()) {
    it(`refuses ${label} with the default JSON serializer on the first call, naming where it is`, async () => {
      const store = new ResultStore({ storage });
      let runs = 0;
      const compute = persisted(
        () => {
          runs++;
          return value;
        },
        { store, key: "result" },
      );
      const first = await errorOf(() => compute());
      expect(first.code).toBe("SERIALIZATION_FAILED");
      expect(first.reason).toContain(`(at ${where})`);
      expect(first.message).toContain('"rich"');
      expect(await store.has("result")).toBe(false);
      // Never a changed value on a later call either: it is refused again.
      expect((await errorOf(() => compute())).code).toBe("SERIALIZATION_FAILED");
      expect(runs).toBe(2);
    });
  }

  it("gives back plain JSON values exactly with the default JSON serializer", async () => {
    const store = new ResultStore({ storage });
    const value = {
      text: "résumé ✓ \u0000 \ud800",
      numbers: [0, 1.5, -2, Number.MAX_SAFE_INTEGER, 1e-300],
      flags: [true, false, null],
      nested: { deeper: { list: [[], {}, [{ a: "b" }]] } },
      ["__proto__"]: { kept: "as data" },
    };
    Object.defineProperty(value, "__proto__", {
      value: { kept: "as data" },
      enumerable: true,
      configurable: true,
      writable: true,
    });
    let runs = 0;
    const compute = persisted(
      () => {
        runs++;
        return value;
      },
      { store, key: "plain" },
    );
    const miss = await compute();
    const hit = await compute();
    expect(runs).toBe(1);
    expect(hit).toStrictEqual(miss);
  });

  it("gives back Date, Map, Set, BigInt, nested values, undefined, -0 and NaN exactly with the rich serializer", async () => {
    const store = new ResultStore({ storage, serializer: "rich" });
    let runs = 0;
    const compute = persisted(
      () => {
        runs++;
        return {
          at: new Date("2024-06-01T12:00:00.000Z"),
          lookup: new Map<unknown, unknown>([[1, new Set([2n, undefined])]]),
          big: 2n ** 80n,
          items: [undefined, -0, Number.NaN, Number.NEGATIVE_INFINITY],
          missing: undefined,
          nested: { when: [new Date(0)], bytes: new Uint8Array([1, 2]) },
        };
      },
      { store, key: "rich" },
    );
    const miss = await compute();
    const hit = await compute();
    expect(runs).toBe(1);
    expect(hit).toStrictEqual(miss);
    expect(Object.is(hit.items[1], -0)).toBe(true);
    expect("missing" in hit).toBe(true);
  });

  it("refuses what JSON would change in ResultStore.put too, storing nothing", async () => {
    const store = new ResultStore({ storage });
    const error = await errorOf(() => store.put("report", { generatedAt: new Date() }));
    expect(error.code).toBe("SERIALIZATION_FAILED");
    expect(error.message).toContain("$.generatedAt");
    expect(error.message).toContain("a Date would come back as a string");
    expect(await store.has("report")).toBe(false);
  });

  it("refuses a reference cycle with SERIALIZATION_FAILED, but keeps a shared object and deep nesting", async () => {
    const store = new ResultStore({ storage });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const error = await errorOf(() => store.put("cyclic", cyclic));
    expect(error.code).toBe("SERIALIZATION_FAILED");
    expect(error.message).toContain("$.self");
    // A shared (not cyclic) object is fine: JSON writes it twice.
    const shared = { a: 1 };
    await store.put("shared", { left: shared, right: shared });
    expect(await store.get("shared")).toStrictEqual({ left: { a: 1 }, right: { a: 1 } });
    let deep: unknown = "bottom";
    for (let depth = 0; depth < 1000; depth++) deep = [deep];
    await store.put("deep", deep);
    expect(await store.get("deep")).toStrictEqual(deep);
  });
});
