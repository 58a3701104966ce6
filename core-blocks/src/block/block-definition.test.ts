import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidBlockDefinitionError } from "../errors/index.js";
import { secret } from "../schema/index.js";
import { defineBlock } from "./index.js";

function definitionError(define: () => unknown): InvalidBlockDefinitionError {
  try {
    define();
  } catch (error) {
    if (InvalidBlockDefinitionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected defineBlock to refuse the schema");
}

describe("schemas that cannot round-trip through JSON", () => {
  it.each([
    [
      "a transform",
      z.string().transform((text) => text.length),
      "transform",
      "a string with a format",
    ],
    ["a pipe", z.string().pipe(z.string()), "pipe", "plain value"],
    ["a preprocess step", z.preprocess((value) => value, z.string()), "preprocess", "plain value"],
    ["a date", z.date(), "date", "z.iso.datetime()"],
    ["a bigint", z.bigint(), "bigint", "z.number().int()"],
    ["a map", z.map(z.string(), z.string()), "Map", "z.record"],
    [
      "a transform on record keys",
      z.record(
        z.string().transform((key) => key.toLowerCase()),
        z.string(),
      ),
      "transform",
      "derive the other form in a method",
    ],
    ["a set", z.set(z.string()), "Set", "z.array"],
    ["a function", z.function(), "function", "method"],
    ["a symbol", z.symbol(), "symbol", "string"],
    ["z.undefined()", z.undefined(), "z.undefined()", ".optional()"],
  ])("refuses %s at defineBlock, naming the field and what to use instead", (_, field, what, instead) => {
    const error = definitionError(() =>
      defineBlock({
        type: "round-trip-refused",
        schema: z.object({ ok: z.string(), when: field }),
      }),
    );
    expect(error.message).toContain('"when"');
    expect(error.message).toContain(what);
    expect(error.message).toContain(instead);
  });

  it("names a refused part deep inside, with its path", () => {
    const error = definitionError(() =>
      defineBlock({
        type: "round-trip-deep",
        schema: z.object({
          schedule: z.object({ runs: z.array(z.object({ at: z.date().optional() })) }),
        }),
      }),
    );
    expect(error.message).toContain('"schedule.runs.*.at"');
  });

  it("accepts secrets, nested blocks, formats, records, unions, defaults and refinements", () => {
    const Inner = defineBlock({ type: "round-trip-inner", schema: z.object({ token: secret() }) });
    expect(() =>
      defineBlock({
        type: "round-trip-fine",
        schema: z.object({
          at: z.iso.datetime(),
          token: secret().optional(),
          inner: Inner.field().optional(),
          labels: z.record(z.string(), z.string()).default({}),
          size: z.union([z.number(), z.string()]).refine(() => true),
          count: z.coerce.number().optional(),
          when: z.instanceof(Date).optional(),
        }),
      }),
    ).not.toThrow();
  });
});

describe("fields named like block members", () => {
  it("are a compile-time type error as well as a definition error", () => {
    for (const field of ["name", "revision", "slug", "documentId", "toJSON"] as const) {
      const error = definitionError(() =>
        defineBlock({
          type: "member-clash",
          // @ts-expect-error the schema's field clashes with a block member
          schema: z.object({ [field]: z.string() } as Record<typeof field, z.ZodString>),
        }),
      );
      expect(error.message).toContain(`"${field}"`);
    }
    definitionError(() =>
      // @ts-expect-error `revision` is a block member
      defineBlock({ type: "member-clash", schema: z.object({ revision: z.number() }) }),
    );
  });
});
