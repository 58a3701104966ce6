import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { TemplateError, type TesseraError } from "../src/errors/index.js";
import { secret } from "../src/schema/index.js";
import { Secret } from "../src/secret-block/index.js";
import { parseTemplate, resolveTemplate, SECRET_MASK, SecretValue } from "../src/secrets/index.js";
import type { BlockStore } from "../src/store/index.js";
import { errorOf, isolateKeys, openTestStore, randomKey } from "./secrets-helpers.js";

class Credentials extends defineBlock({
  type: "test-template-credentials",
  title: "Credentials",
  schema: z.object({ user: z.string(), password: secret(), region: z.string().optional() }),
}) {}

class Database extends defineBlock({
  type: "test-template-database",
  title: "Database",
  schema: z.object({
    host: z.string(),
    port: z.number(),
    tls: z.boolean(),
    tags: z.array(z.string()),
    credentials: Credentials.field(),
  }),
}) {}

let environment: ReturnType<typeof isolateKeys>;
let store: BlockStore;

beforeEach(async () => {
  environment = isolateKeys();
  process.env.TESSERA_ENCRYPTION_KEY = randomKey();
  store = await openTestStore(environment.home);
  const credentials = new Credentials({ user: "app", password: "pa55word-canary" });
  await credentials.save("app", { store });
  await new Database({
    host: "db.internal",
    port: 5432,
    tls: true,
    tags: ["primary", "eu"],
    credentials,
  }).save("main", { store });
  await new Secret({ value: "s3cret-token-value" }).save("token", { store });
  await new Secret({ value: { id: "svc", scopes: ["a"] } }).save("service", { store });
});

afterEach(async () => {
  await store.close();
  environment.restore();
});

async function templateError(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await errorOf(promise);
  expect(TemplateError.isInstance(error)).toBe(true);
  expect(error.code).toBe("TEMPLATE_UNRESOLVED");
  return error as TemplateError;
}

describe("resolveTemplate", () => {
  it("keeps the type of a whole-string placeholder", async () => {
    const resolved = await resolveTemplate(
      {
        port: "{{ blocks.test-template-database.main.port }}",
        tls: "  {{blocks.test-template-database.main.tls}} ",
        tags: "{{ blocks.test-template-database.main.tags }}",
        first: "{{ blocks.test-template-database.main.tags.0 }}",
        user: "{{ blocks.test-template-database.main.credentials.user }}",
      },
      { store },
    );
    expect(resolved).toEqual({
      port: 5432,
      tls: true,
      tags: ["primary", "eu"],
      first: "primary",
      user: "app",
    });
  });

  it("gives a whole block as its fields, nested blocks included, secrets still masked", async () => {
    const resolved = (await resolveTemplate(
      { database: "{{ blocks.test-template-database.main }}" },
      { store },
    )) as { database: { credentials: { password: SecretValue } } };
    expect(JSON.parse(JSON.stringify(resolved))).toEqual({
      database: {
        host: "db.internal",
        port: 5432,
        tls: true,
        tags: ["primary", "eu"],
        credentials: { user: "app", password: SECRET_MASK },
      },
    });
    expect(SecretValue.isInstance(resolved.database.credentials.password)).toBe(true);
    expect(await resolved.database.credentials.password.reveal()).toBe("pa55word-canary");
  });

  it("gives a Secret block as its value, and reveals secrets only when asked", async () => {
    const masked = (await resolveTemplate(["{{ blocks.secret.token }}"], {
      store,
    })) as SecretValue[];
    expect(SecretValue.isInstance(masked[0])).toBe(true);
    expect(JSON.stringify(masked)).toBe(`["${SECRET_MASK}"]`);
    const revealed = await resolveTemplate(
      { token: "{{ blocks.secret.token }}", service: "{{ blocks.secret.service }}" },
      { store, revealSecrets: true },
    );
    expect(revealed).toEqual({
      token: "s3cret-token-value",
      service: { id: "svc", scopes: ["a"] },
    });
  });

  it("interpolates inline placeholders as text, and a string that embeds a secret stays masked", async () => {
    const resolved = (await resolveTemplate(
      {
        url: "postgres://{{ blocks.test-template-database.main.credentials.user }}@{{ blocks.test-template-database.main.host }}:{{ blocks.test-template-database.main.port }}",
        dsn: "user=app password={{ blocks.test-template-database.main.credentials.password }}",
        home: "{{ env.TEMPLATE_TEST_HOME }}/data",
      },
      { store, environment: { TEMPLATE_TEST_HOME: "/srv" } },
    )) as { url: string; dsn: SecretValue; home: string };
    expect(resolved.url).toBe("postgres://app@db.internal:5432");
    expect(resolved.home).toBe("/srv/data");
    expect(String(resolved.dsn)).toBe(SECRET_MASK);
    expect(await resolved.dsn.reveal()).toBe("user=app password=pa55word-canary");
    const revealed = (await resolveTemplate(
      "password={{ blocks.test-template-database.main.credentials.password }}",
      { store, revealSecrets: true },
    )) as string;
    expect(revealed).toBe("password=pa55word-canary");
  });

  it("refuses an inline placeholder that resolves to an object or a list, naming it", async () => {
    const error = await templateError(
      resolveTemplate(
        { job: { env: ["x={{ blocks.test-template-database.main.tags }}"] } },
        { store },
      ),
    );
    expect(error.placeholder).toBe("{{ blocks.test-template-database.main.tags }}");
    expect(error.location).toBe("job.env[0]");
    expect(error.message).toContain("a list");
  });

  it("names the placeholder when the block, the field or the variable is missing", async () => {
    const missingBlock = await templateError(
      resolveTemplate("{{ blocks.secret.nope }}", { store }),
    );
    expect(missingBlock.message).toContain("{{ blocks.secret.nope }}");
    expect(missingBlock.cause).toBeDefined();
    const missingField = await templateError(
      resolveTemplate(
        { a: "{{ blocks.test-template-database.main.credentials.nope }}" },
        { store },
      ),
    );
    expect(missingField.message).toContain("credentials.nope");
    expect(missingField.location).toBe("a");
    const unsetField = await templateError(
      resolveTemplate("{{ blocks.test-template-database.main.credentials.region }}", { store }),
    );
    expect(unsetField.message).toContain("region");
    const missingVariable = await templateError(
      resolveTemplate("{{ env.TEMPLATE_TEST_UNSET }}", { store, environment: {} }),
    );
    expect(missingVariable.message).toContain("TEMPLATE_TEST_UNSET");
    const unknownType = await templateError(
      resolveTemplate("{{ blocks.no-such-type.x }}", { store }),
    );
    expect(unknownType.message).toContain("no-such-type");
  });

  it("refuses malformed placeholders in its namespaces and leaves other namespaces alone", async () => {
    for (const bad of [
      "{{ blocks.secret }}",
      "{{ blocks.Secret.x }}",
      "{{ blocks.secret.x..y }}",
      "{{ env.1X }}",
      "{{ env. }}",
    ]) {
      await templateError(resolveTemplate(bad, { store }));
    }
    const untouched = { image: "{{ image }}", run: "run-{{ ctx.run_id }}", braces: "{ {a} }" };
    expect(await resolveTemplate(untouched, { store })).toEqual(untouched);
  });

  it("does not let __proto__ keys of the input pollute prototypes", async () => {
    const input = JSON.parse(
      '{"__proto__": {"polluted": "{{ env.TEMPLATE_X }}"}, "a": 1}',
    ) as object;
    const resolved = (await resolveTemplate(input, {
      store,
      environment: { TEMPLATE_X: "yes" },
    })) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(resolved, "__proto__")?.value).toEqual({
      polluted: "yes",
    });
  });
});

describe("template parser (properties)", () => {
  const variable = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);

  it("joins its parts back into the input, for any string", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom("{", "}", " ", "a", ".", "b", "env", "blocks", "-", "x"),
          maxLength: 60,
        }),
        (text) => {
          let parts: ReturnType<typeof parseTemplate>;
          try {
            parts = parseTemplate(text);
          } catch (error) {
            expect(TemplateError.isInstance(error)).toBe(true);
            return;
          }
          const joined = parts
            .map((part) => (part.kind === "text" ? part.text : part.raw))
            .join("");
          expect(joined).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never changes a value without placeholders", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const json = JSON.parse(JSON.stringify(value).replaceAll("{{", "{ {")) as unknown;
        expect(await resolveTemplate(json, { store, environment: {} })).toEqual(json);
      }),
      { numRuns: 200 },
    );
  });

  it("substitutes environment placeholders anywhere in a string with the variable's exact value", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        variable,
        fc.string(),
        fc.string(),
        async (before, name, value, after) => {
          fc.pre(
            !before.includes("{{") &&
              !after.includes("}}") &&
              !before.includes("}") &&
              !after.includes("{"),
          );
          const text = `${before}{{ env.${name} }}${after}`;
          const resolved = await resolveTemplate(text, { store, environment: { [name]: value } });
          expect(resolved).toBe(
            before.trim() === "" && after.trim() === "" ? value : `${before}${value}${after}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("only ever throws TEMPLATE_UNRESOLVED on random input", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({
          unit: fc.constantFrom("{{", "}}", " ", "env.", "blocks.", "secret.", "a", "1", ".", "-"),
          maxLength: 20,
        }),
        async (text) => {
          try {
            await resolveTemplate(text, { store, environment: {} });
          } catch (error) {
            expect((error as TesseraError).code).toBe("TEMPLATE_UNRESOLVED");
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
