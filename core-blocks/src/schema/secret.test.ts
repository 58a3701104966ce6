import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SecretValue } from "../secrets/index.js";
import { secret } from "./secret.js";

describe("secret()", () => {
  const schema = z.object({ token: secret(), json: secret({ json: true }).optional() });

  it("turns a plaintext string into a masked SecretValue", async () => {
    const parsed = schema.parse({ token: "hunter2" });
    expect(SecretValue.isInstance(parsed.token)).toBe(true);
    expect(String(parsed.token)).toBe("********");
    expect(await parsed.token.reveal()).toBe("hunter2");
  });

  it("keeps an existing SecretValue as it is", () => {
    const value = SecretValue.from("x");
    expect(schema.parse({ token: value }).token).toBe(value);
  });

  it("reads the keep marker and references", () => {
    expect(schema.parse({ token: { $keep: true } }).token.origin).toEqual({ kind: "keep" });
    expect(schema.parse({ token: { $reference: "env:API_TOKEN" } }).token.origin).toEqual({
      kind: "reference",
      reference: "env:API_TOKEN",
    });
  });

  it("accepts any JSON value when asked, and only strings otherwise", async () => {
    const parsed = schema.parse({ token: "t", json: { clientEmail: "a@b", key: "k" } });
    expect(await parsed.json?.reveal()).toEqual({ clientEmail: "a@b", key: "k" });
    const refused = schema.safeParse({ token: 12345678 });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).not.toContain("12345678");
  });

  it("runs its check on plaintexts given in clear, and never on references or keep markers", () => {
    const checked = z.object({
      key: secret({
        json: true,
        check: (plaintext) =>
          typeof plaintext === "object" && plaintext !== null && "id" in plaintext
            ? undefined
            : "the key has no id",
      }).optional(),
    });
    expect(checked.safeParse({ key: { id: "k1" } }).success).toBe(true);
    const refused = checked.safeParse({ key: { name: "hunter2-value" } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ["key"], message: "the key has no id" });
    expect(JSON.stringify(refused.error?.issues)).not.toContain("hunter2-value");
    expect(checked.safeParse({ key: { $reference: "env:KEY" } }).success).toBe(true);
    expect(checked.safeParse({ key: { $keep: true } }).success).toBe(true);
    expect(checked.safeParse({ key: SecretValue.from("unchecked") }).success).toBe(true);
  });

  it("refuses a malformed reference or keep marker without echoing the input", () => {
    const reference = schema.safeParse({ token: { $reference: "not a reference" } });
    expect(reference.success).toBe(false);
    expect(reference.error?.issues[0]?.path).toEqual(["token"]);
    expect(schema.safeParse({ token: { $keep: "yes" } }).success).toBe(false);
  });
});

describe("secret() on random input", () => {
  it("never throws and never puts the input into an issue", async () => {
    const { default: fc } = await import("fast-check");
    const schema = z.object({ token: secret() });
    fc.assert(
      fc.property(fc.anything(), fc.boolean(), (input, wrapped) => {
        const token = wrapped ? { value: "canary-9f3b", other: input } : input;
        const result = schema.safeParse({ token });
        if (result.success) {
          expect(SecretValue.isInstance(result.data.token)).toBe(true);
        } else {
          expect(JSON.stringify(result.error.issues)).not.toContain("canary-9f3b");
          expect(result.error.issues[0]?.path).toEqual(["token"]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
