import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { InvalidBlockDefinitionError } from "../src/errors/index.js";
import { secret } from "../src/schema/index.js";
import { SecretValue } from "../src/secrets/index.js";

/** The error `defineBlock` throws for `schema`, or `undefined` when the type is defined. */
function definitionError(type: string, schema: z.ZodObject): unknown {
  try {
    defineBlock({ type, schema });
    return undefined;
  } catch (error) {
    return error;
  }
}

let definedTypes = 0;

class NestedCredentials extends defineBlock({
  type: "test-defaults-credentials",
  schema: z.object({ user: z.string(), password: secret() }),
}) {}

describe("secret fields with default values", () => {
  it.each([
    [
      "a default",
      z.object({ token: secret().default(SecretValue.from("hunter2-default")) }),
      ["token"],
    ],
    ["a prefault", z.object({ token: secret().prefault("hunter2-prefault") }), ["token"]],
    [
      "a catch value",
      z.object({ token: secret().catch(SecretValue.from("hunter2-caught")) }),
      ["token"],
    ],
    [
      "a default of the object around it",
      z.object({
        auth: z.object({ token: secret() }).default({ token: SecretValue.from("hunter2-object") }),
      }),
      ["auth.token"],
    ],
    [
      "a default list of secrets",
      z.object({ keys: z.array(secret()).prefault(["hunter2-list"]) }),
      ["keys.*"],
    ],
    [
      "a default of a nested block field",
      z.object({
        credentials: NestedCredentials.field().prefault({ user: "u", password: "hunter2-nested" }),
      }),
      ["credentials.password"],
    ],
  ])("refuses a secret given %s at defineBlock, naming the field", (_, schema, paths) => {
    definedTypes += 1;
    const error = definitionError(`test-secret-default-${definedTypes}`, schema);
    expect(InvalidBlockDefinitionError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    for (const path of paths) expect(message).toContain(`"${path}"`);
    expect(message).toContain("default");
    expect(message).not.toContain("hunter2");
  });

  it("defines types whose defaults leave every secret unset or give a reference", () => {
    const schemas = [
      z.object({ port: z.number().default(5432), token: secret().optional() }),
      z.object({
        auth: z.object({ user: z.string(), token: secret().optional() }).default({ user: "x" }),
      }),
      z.object({ token: secret().prefault({ $reference: "env:TEST_TOKEN" }) }),
      z.object({ credentials: NestedCredentials.field().optional() }),
    ];
    schemas.forEach((schema, index) => {
      expect(definitionError(`test-secret-default-ok-${index}`, schema)).toBeUndefined();
    });
  });
});
