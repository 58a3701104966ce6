import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError, ValidationFailedError } from "../errors/index.js";
import type { JsonObject } from "../schema/index.js";
import {
  applySetExpressions,
  coerceSetValue,
  getAtPath,
  isSecretPath,
  parseSetExpression,
} from "./set-expression.js";

const schema: JsonObject = {
  type: "object",
  properties: {
    bucketName: { type: "string" },
    port: { type: "integer" },
    ratio: { type: "number" },
    enabled: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    token: { type: "string", writeOnly: true, format: "password" },
    credentials: {
      type: "object",
      properties: { region: { type: ["string", "null"] }, secretKey: { type: "string" } },
    },
    headers: { type: "object", additionalProperties: { type: "string" } },
  },
};

describe("--set expressions", () => {
  it("splits the field path on dots and keeps everything after the first = as the value", () => {
    expect(parseSetExpression("credentials.region=eu=west.1")).toEqual({
      path: ["credentials", "region"],
      text: "eu=west.1",
    });
  });

  it("refuses an expression without a field path, and prototype keys", () => {
    expect(() => parseSetExpression("=x")).toThrow(InvalidInputError);
    expect(() => parseSetExpression("novalue")).toThrow(/--set <field>=<value>/);
    expect(() => parseSetExpression("a..b=1")).toThrow(InvalidInputError);
    expect(() => parseSetExpression("__proto__.polluted=1")).toThrow(InvalidInputError);
  });

  it("builds nested objects and coerces values to the types the schema declares", () => {
    const target: JsonObject = {};
    applySetExpressions(
      target,
      [
        "bucketName=0123",
        "port=5432",
        "ratio=0.5",
        "enabled=false",
        'tags=["a","b"]',
        "credentials.region=null",
        "headers.x-trace=on",
      ],
      schema,
      ["token", "credentials.secretKey"],
    );
    expect(target).toEqual({
      bucketName: "0123",
      port: 5432,
      ratio: 0.5,
      enabled: false,
      tags: ["a", "b"],
      credentials: { region: null },
      headers: { "x-trace": "on" },
    });
  });

  it("refuses a value that is not of the declared type, naming the field", () => {
    expect(() => applySetExpressions({}, ["port=fifty"], schema)).toThrow(/port takes a number/);
    expect(() => applySetExpressions({}, ["port=1.5"], schema)).toThrow(/whole number/);
    expect(() => applySetExpressions({}, ["enabled=maybe"], schema)).toThrow(/true or false/);
  });

  it("refuses secret fields so their values never reach shell history", () => {
    expect(() => applySetExpressions({}, ["token=hunter22"], schema)).toThrow(
      /token is a secret.*--secret-from-env/,
    );
    expect(() =>
      applySetExpressions({}, ["credentials.secretKey=abc"], schema, ["credentials.secretKey"]),
    ).toThrow(InvalidInputError);
    try {
      applySetExpressions({}, ["token=hunter22"], schema);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("hunter22");
    }
  });

  it("refuses an object or array given as JSON that carries a secret field, and a path inside a secret", () => {
    const secrets = ["credentials.secretKey", "headers.*", "token"];
    for (const expression of [
      'credentials={"region":"eu","secretKey":"hunter22"}',
      'headers={"authorization":"hunter22"}',
      "token.inner=hunter22",
    ]) {
      let caught: unknown;
      try {
        applySetExpressions({}, [expression], schema, secrets);
      } catch (error) {
        caught = error;
      }
      expect(InvalidInputError.isInstance(caught)).toBe(true);
      expect((caught as Error).message).toMatch(/secret field|is a secret/);
      expect((caught as Error).message).not.toContain("hunter22");
    }
    const target = {};
    applySetExpressions(target, ['credentials={"region":"eu"}', "headers={}"], schema, secrets);
    expect(target).toEqual({ credentials: { region: "eu" }, headers: {} });
  });

  it("never lets a secret path through --set, whatever JSON object carries it (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.string()), (extra) => {
        const value = { ...extra, secretKey: "hunter22" };
        expect(() =>
          applySetExpressions({}, [`credentials=${JSON.stringify(value)}`], schema, [
            "credentials.secretKey",
          ]),
        ).toThrow(InvalidInputError);
      }),
    );
  });

  it("matches record secret paths with *", () => {
    expect(isSecretPath(["headers", "authorization"], ["headers.*"])).toBe(true);
    expect(isSecretPath(["headers"], ["headers.*"])).toBe(false);
  });

  it("reads a union of string and number as a number when the text is one", () => {
    const union: JsonObject = { anyOf: [{ type: "string" }, { type: "number" }] };
    expect(coerceSetValue("5432", union, {}, "port")).toBe(5432);
    expect(coerceSetValue("db-1", union, {}, "port")).toBe("db-1");
  });

  it("keeps unknown fields as JSON when they parse and as text otherwise", () => {
    expect(coerceSetValue("12", undefined, {}, "x")).toBe(12);
    expect(coerceSetValue("hello", undefined, {}, "x")).toBe("hello");
  });

  it("never crashes on random expressions and never writes outside the target", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }), (expressions) => {
        const target: JsonObject = {};
        try {
          applySetExpressions(target, expressions, schema);
        } catch (error) {
          expect(
            InvalidInputError.isInstance(error) || ValidationFailedError.isInstance(error),
          ).toBe(true);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      }),
    );
  });

  it("sets exactly the value it parsed at the path it parsed", () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.string(), (path, text) => {
        const target: JsonObject = {};
        applySetExpressions(target, [`${path.join(".")}=${text}`], undefined);
        const expected = (() => {
          try {
            return JSON.parse(text);
          } catch {
            return text;
          }
        })();
        expect(getAtPath(target, path)).toEqual(expected);
      }),
    );
  });

  it("refuses a field the schema does not have, naming it and the closest field, and sets nothing", () => {
    const target = {};
    let error: unknown;
    try {
      applySetExpressions(target, ["bucketName=b", "prot=6543"], schema, [], "warehouse");
    } catch (thrown) {
      error = thrown;
    }
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as ValidationFailedError).problems).toEqual([
      { path: "prot", message: 'is not a field of this block type; did you mean "port"?' },
    ]);
    expect(() => applySetExpressions({}, ["credentials.regoin=x"], schema)).toThrow(
      /credentials\.regoin: .*did you mean "credentials\.region"/,
    );
  });

  it("accepts any key where the schema leaves the keys open", () => {
    const target = {};
    applySetExpressions(target, ["headers.X-Trace=1"], schema);
    expect(target).toEqual({ headers: { "X-Trace": "1" } });
  });
});
