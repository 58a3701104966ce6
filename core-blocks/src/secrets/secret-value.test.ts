import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SECRET_MASK, SecretValue } from "./secret-value.js";

describe("SecretValue", () => {
  it("prints as the mask through every common way of printing", () => {
    const secret = SecretValue.from("hunter2-canary");
    expect(String(secret)).toBe(SECRET_MASK);
    expect(`${secret}`).toBe(SECRET_MASK);
    expect(JSON.stringify({ secret })).toBe(`{"secret":"${SECRET_MASK}"}`);
    expect(inspect({ secret })).not.toContain("hunter2");
  });

  it("reveals the plaintext on request", async () => {
    expect(await SecretValue.from("hunter2").reveal()).toBe("hunter2");
  });
});
