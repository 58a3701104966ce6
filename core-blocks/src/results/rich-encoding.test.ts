import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SerializationFailedError } from "../errors/index.js";
import { decodeRich, encodeRich } from "./rich-encoding.js";

const roundTrip = (value: unknown) => decodeRich(JSON.parse(JSON.stringify(encodeRich(value))));

describe("rich encoding", () => {
  it("round-trips any mix of JSON values, special numbers, dates, maps, sets, bigints and typed arrays", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: false,
          withNullPrototype: false,
          withObjectString: true,
          withBoxedValues: false,
          withUnicodeString: true,
        }),
        (value) => {
          expect(roundTrip(value)).toEqual(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps -0, NaN and the infinities apart", () => {
    const decoded = roundTrip([
      -0,
      0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]) as number[];
    expect(Object.is(decoded[0], -0)).toBe(true);
    expect(Object.is(decoded[1], 0)).toBe(true);
    expect(decoded.slice(2)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
  });

  it("never mistakes user data for a tag, and never changes a prototype", () => {
    const tricky = JSON.parse(
      '{"$t":"Date","v":"2020-01-01T00:00:00.000Z","__proto__":{"polluted":true}}',
    );
    const decoded = roundTrip(tricky) as Record<string, unknown>;
    expect(decoded).toEqual(tricky);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toContain("__proto__");
  });

  it("refuses cycles, functions and class instances, naming where they are", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    class Point {
      x = 1;
    }
    for (const [value, where] of [
      [cyclic, "$.self"],
      [{ run: () => 1 }, "$.run"],
      [[new Point()], "$[0]"],
    ] as const) {
      try {
        encodeRich(value);
        expect.unreachable();
      } catch (error) {
        expect(SerializationFailedError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain(where);
      }
    }
  });

  it("writes a shared (not cyclic) object once per use", () => {
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared })).toEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it("fails on unknown tags with SERIALIZATION_FAILED", () => {
    expect(() => decodeRich({ $t: "Nope", v: "x" })).toThrow(SerializationFailedError);
  });
});
