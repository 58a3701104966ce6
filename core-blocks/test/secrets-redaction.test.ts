import { randomBytes } from "node:crypto";
import { format, inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { TesseraError } from "../src/errors/index.js";
import { logDebug, setDebugWriter } from "../src/log/index.js";
import { secret } from "../src/schema/index.js";
import {
  forgetSecrets,
  MIN_REDACTED_LENGTH,
  redact,
  rememberSecret,
  SECRET_MASK,
  SecretValue,
} from "../src/secrets/index.js";
import { MAX_FULLY_ENCODED_LENGTH } from "../src/secrets/redactor.js";

function canaryText(): string {
  return `canary-${randomBytes(10).toString("hex")}`;
}

function forms(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  return [text, bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex")];
}

function expectNoForm(output: string, text: string): void {
  for (const form of forms(text)) expect(output).not.toContain(form);
}

afterEach(() => {
  forgetSecrets();
});

describe("SecretValue masking", () => {
  it("prints as ******** through String, template literals, JSON, inspect, format and console", () => {
    const canary = canaryText();
    const value = SecretValue.from(canary);
    const holder = { token: value, nested: { list: [value] } };
    const outputs = [
      String(value),
      `${value}`,
      `${holder.token}`,
      JSON.stringify(holder),
      inspect(holder, { depth: 10, showHidden: true }),
      format("%s %o %O %j", value, holder, holder, holder),
      value.toLocaleString(),
      Object.prototype.toString.call(value),
    ];
    for (const output of outputs) expectNoForm(output, canary);
    expect(String(value)).toBe(SECRET_MASK);
    expect(JSON.stringify({ token: value })).toBe(`{"token":"${SECRET_MASK}"}`);
    expect(inspect(value)).toBe(`SecretValue(${SECRET_MASK})`);
  });

  it("masks values of one to four characters just the same", () => {
    for (const short of ["a", "ab", "abc", "abcd"]) {
      const value = SecretValue.from(short);
      expect(String(value)).toBe(SECRET_MASK);
      expect(JSON.stringify({ value })).toBe(`{"value":"${SECRET_MASK}"}`);
      expect(inspect({ value })).not.toContain(`'${short}'`);
    }
  });

  it("keeps the plaintext out of own enumerable properties and structured clones", () => {
    const canary = canaryText();
    const value = SecretValue.from(canary);
    expect(JSON.stringify(Object.entries(value))).not.toContain(canary);
    expect(JSON.stringify(structuredClone({ ...value }))).not.toContain(canary);
  });

  it("keeps secrets out of zod validation issues of a schema with secret fields", () => {
    const canary = canaryText();
    const schema = z.object({ token: secret(), port: z.number(), name: z.string().min(3) });
    const result = schema.safeParse({ token: canary, port: "not a port", name: "x" });
    expect(result.success).toBe(false);
    expectNoForm(JSON.stringify(result.error?.issues), canary);
    expectNoForm(String(result.error), canary);
    expectNoForm(z.prettifyError(result.error!), canary);
  });

  it("keeps a malformed secret input out of its validation issue", () => {
    const schema = z.object({ token: secret() });
    const result = schema.safeParse({ token: { not: "a secret canary-abcdef" } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain("canary-abcdef");
  });
});

describe("redactor", () => {
  it("scrubs a revealed secret from text as itself and as base64, base64url, hex and JSON-escaped", async () => {
    const canary = `${canaryText()}"quoted"\\`;
    const revealed = await SecretValue.lazy({ kind: "stored" }, async () => canary).reveal();
    expect(revealed).toBe(canary);
    const bytes = Buffer.from(canary);
    const text = [
      canary,
      bytes.toString("base64"),
      bytes.toString("base64url"),
      bytes.toString("hex"),
      JSON.stringify({ canary }),
    ].join(" | ");
    const scrubbed = redact(text);
    expectNoForm(scrubbed, canary);
    expect(scrubbed).not.toContain(JSON.stringify(canary).slice(1, -1));
    expect(scrubbed).toContain(SECRET_MASK);
  });

  it("scrubs the string leaves and the JSON text of a revealed JSON secret", async () => {
    const leaf = canaryText();
    const value = { privateKey: leaf, port: 5432 };
    await SecretValue.from(value).reveal();
    expect(redact(`key=${leaf}`)).toBe(`key=${SECRET_MASK}`);
    expect(redact(JSON.stringify(value))).not.toContain(leaf);
  });

  it(`leaves values shorter than ${MIN_REDACTED_LENGTH} characters in arbitrary text alone`, () => {
    rememberSecret("on");
    rememberSecret("1234");
    expect(redact("turn it on at 1234")).toBe("turn it on at 1234");
  });

  it("scrubs remembered secrets from every Tessera error message", async () => {
    const canary = canaryText();
    await SecretValue.from(canary).reveal();
    const error = new TesseraError("TEST", `upstream said: bad token ${canary}`);
    expectNoForm(error.message, canary);
    expectNoForm(JSON.stringify(error), canary);
    expect(error.message).toContain(SECRET_MASK);
  });
});

describe("redactor table: the encodings secrets leak in", () => {
  // Spaces, reserved URL characters, a quote and non-ASCII text, so every encoding differs.
  const canary = `Canary Value/${randomBytes(6).toString("hex")}?&="é`;
  const bytes = Buffer.from(canary);
  const basic = (user: string) => Buffer.from(`${user}:${canary}`).toString("base64");
  /** The base64 characters that stand for `user:` alone, before the secret starts. */
  const basicPrefix = (user: string) =>
    `Authorization: Basic ${basic(user).slice(0, Math.floor(((user.length + 1) * 8) / 6))}`;
  const asciiUpper = (text: string) => text.replace(/[a-z]/g, (letter) => letter.toUpperCase());
  /** What the case shows, the text that leaks, and the part of it that is no secret. */
  const rows: Array<[string, string, string?]> = [
    ["as itself", canary],
    ["lower-cased (a slug hint)", canary.toLowerCase()],
    ["with its ASCII letters upper-cased", asciiUpper(canary)],
    ["JSON-escaped", JSON.stringify(canary).slice(1, -1)],
    ["JSON inside JSON", JSON.stringify(JSON.stringify(canary)).slice(1, -1)],
    ["JSON with \\u escapes", JSON.stringify(canary).slice(1, -1).replace("é", "\\u00e9")],
    [
      "in an HTTP Basic header, secret at byte 5",
      `Authorization: Basic ${basic("user")}`,
      basicPrefix("user"),
    ],
    [
      "in an HTTP Basic header, secret at byte 6",
      `Authorization: Basic ${basic("admin")}`,
      basicPrefix("admin"),
    ],
    [
      "in an HTTP Basic header, secret at byte 7",
      `Authorization: Basic ${basic("system")}`,
      basicPrefix("system"),
    ],
    ["base64url inside a longer token", Buffer.from(`xy${canary}z`).toString("base64url"), "eH"],
    ["hex, lower case", bytes.toString("hex")],
    ["hex, upper case", bytes.toString("hex").toUpperCase()],
    [
      "hex, mixed case",
      bytes
        .toString("hex")
        .replace(/[a-f]/g, (digit, offset: number) => (offset % 2 ? digit.toUpperCase() : digit)),
    ],
    ["encodeURIComponent", encodeURIComponent(canary)],
    ["encodeURIComponent, lower-case hex", encodeURIComponent(canary).toLowerCase()],
    ["encodeURI", encodeURI(canary)],
    [
      "a form body (+ for spaces)",
      new URLSearchParams({ password: canary }).toString(),
      "password=",
    ],
    ["every byte percent-encoded", [...bytes].map((byte) => `%${byte.toString(16)}`).join("")],
  ];

  it.each(rows)("scrubs a secret %s from text around it", async (_, leaked, known = "") => {
    await SecretValue.from(canary).reveal();
    const scrubbed = redact(`before ${leaked} after`);
    const parts = scrubbed.split(SECRET_MASK);
    expect(parts, scrubbed).toHaveLength(2);
    // Left over: at most the base64 characters that mix the secret's first or last bits with
    // its neighbours' (two before it, three after it with padding).
    expect(parts[0]!.startsWith(`before ${known}`), scrubbed).toBe(true);
    expect(parts[0]!.length - `before ${known}`.length, scrubbed).toBeLessThanOrEqual(2);
    expect(parts[1]!.endsWith(" after"), scrubbed).toBe(true);
    expect(parts[1]!.length - " after".length, scrubbed).toBeLessThanOrEqual(3);
  });

  it("still scrubs the first of 3,000 remembered secrets", () => {
    const first = `first-${randomBytes(8).toString("hex")}`;
    rememberSecret(first);
    for (let index = 0; index < 3000; index++)
      rememberSecret(`later-${index}-${randomBytes(4).toString("hex")}`);
    expect(redact(`token=${first}`)).toBe(`token=${SECRET_MASK}`);
    expect(redact(`token=${Buffer.from(first).toString("base64")}`)).toBe(`token=${SECRET_MASK}`);
  });

  it("replaces overlapping matches of two secrets with one mask", () => {
    rememberSecret("alpha-beta");
    rememberSecret("beta-gamma");
    expect(redact("x alpha-beta-gamma y")).toBe(`x ${SECRET_MASK} y`);
  });
});

describe("debug log", () => {
  let lines: string[];
  let previous: string | undefined;

  beforeEach(() => {
    lines = [];
    previous = process.env.TESSERA_DEBUG;
    setDebugWriter((line) => lines.push(line));
  });

  afterEach(() => {
    setDebugWriter(undefined);
    if (previous === undefined) delete process.env.TESSERA_DEBUG;
    else process.env.TESSERA_DEBUG = previous;
  });

  it("is silent unless TESSERA_DEBUG enables it", () => {
    delete process.env.TESSERA_DEBUG;
    logDebug("secrets", "nothing to see");
    process.env.TESSERA_DEBUG = "0";
    logDebug("secrets", "nothing to see");
    process.env.TESSERA_DEBUG = "store";
    logDebug("secrets", "not this scope");
    expect(lines).toEqual([]);
    process.env.TESSERA_DEBUG = "store,secrets";
    logDebug("secrets", "this scope");
    expect(lines).toEqual(["tessera:secrets this scope\n"]);
  });

  it("masks secret values in fields and scrubs revealed secrets from the whole line", async () => {
    process.env.TESSERA_DEBUG = "1";
    const canary = canaryText();
    const value = SecretValue.from(canary);
    await value.reveal();
    logDebug("secrets", `message with ${canary}`, {
      value,
      raw: canary,
      encoded: Buffer.from(canary).toString("base64"),
      bytes: Buffer.from(canary),
      error: new Error(`failed with ${canary}`),
    });
    expect(lines).toHaveLength(1);
    expectNoForm(lines[0]!, canary);
    expect(lines[0]).toContain(SECRET_MASK);
  });
});

describe("file-sized secrets", () => {
  it("scrubs a secret larger than the fully encoded bound as text, base64 and hex", () => {
    const large = `-----BEGIN BUNDLE-----${"k".repeat(MAX_FULLY_ENCODED_LENGTH)}`;
    rememberSecret(large);
    const bytes = Buffer.from(large);
    for (const form of [large, bytes.toString("base64"), bytes.toString("hex").toUpperCase()]) {
      expect(redact(`leaked: ${form} (end)`)).toBe("leaked: ******** (end)");
    }
  });
});
