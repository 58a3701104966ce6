import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { TemplateError, TemplateTooLargeError, type TesseraError } from "../src/errors/index.js";
import { secret } from "../src/schema/index.js";
import { Secret } from "../src/secret-block/index.js";
import {
  MAX_TEMPLATE_OUTPUT_BYTES,
  parseTemplate,
  resolveTemplate,
  SECRET_MASK,
  SecretValue,
} from "../src/secrets/index.js";
import type { BlockStore } from "../src/store/index.js";
import { errorOf, useKeyedStore } from "./secrets-helpers.js";

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

class Note extends defineBlock({
  type: "test-template-note",
  title: "Note",
  schema: z.object({ text: z.string() }),
}) {}

let store: BlockStore;
useKeyedStore({ environmentKey: true }, (keyed) => {
  store = keyed.store;
});

beforeEach(async () => {
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

describe("environment access", () => {
  it("never reads Tessera's own key and credential variables, through a placeholder or an env: reference", async () => {
    const key = process.env.TESSERA_ENCRYPTION_KEY!;
    process.env.TESSERA_API_KEY = "api-key-canary";
    try {
      for (const variable of [
        "TESSERA_ENCRYPTION_KEY",
        "TESSERA_API_KEY",
        "TESSERA_DATABASE_URL",
        "tessera_encryption_key",
      ]) {
        const placeholder = await templateError(
          resolveTemplate(`{{ env.${variable} }}`, { store }),
        );
        expect(placeholder.message).toContain(variable);
        expect(placeholder.message).toContain("Tessera's own settings");
        const inline = await templateError(
          resolveTemplate({ a: `key=x{{ env.${variable} }}` }, { store, revealSecrets: true }),
        );
        expect(inline.location).toBe("a");
        let refused: unknown;
        try {
          SecretValue.reference(`env:${variable}`);
        } catch (error) {
          refused = error;
        }
        expect((refused as TesseraError).code).toBe("SECRET_REFERENCE_UNRESOLVED");
        expect((refused as Error).message).toContain(variable);
        for (const message of [placeholder.message, inline.message, (refused as Error).message]) {
          expect(message).not.toContain(key);
          expect(message).not.toContain("api-key-canary");
        }
      }
      const saved = await errorOf(
        Promise.resolve().then(() =>
          new Credentials({
            user: "app",
            password: { $reference: "env:TESSERA_ENCRYPTION_KEY" } as never,
          }).save("leaky", { store }),
        ),
      );
      expect(saved.message).toContain("TESSERA_ENCRYPTION_KEY");
      expect(saved.message).not.toContain(key);
    } finally {
      delete process.env.TESSERA_API_KEY;
    }
  });

  it("resolves only the environment's own variables, never inherited members such as constructor", async () => {
    for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) {
      const error = await templateError(resolveTemplate(`{{ env.${name} }}`, { store }));
      expect(error.message).toContain("is not set");
      const custom = await templateError(
        resolveTemplate(`x-{{ env.${name} }}`, { store, environment: { OTHER: "1" } }),
      );
      expect(custom.message).toContain("is not set");
      const reference = await errorOf(SecretValue.reference(`env:${name}`).reveal());
      expect(reference.code).toBe("SECRET_REFERENCE_UNRESOLVED");
      expect(reference.message).toContain("not set");
    }
  });

  it("keeps values that come from secrets or env: secret references masked through templates", async () => {
    process.env.TEMPLATE_TEST_SECRET_VARIABLE = "env-secret-canary";
    try {
      await new Secret({ value: { $reference: "env:TEMPLATE_TEST_SECRET_VARIABLE" } }).save(
        "from-env",
        { store },
      );
      await new Credentials({
        user: "env-user",
        password: { $reference: "env:TEMPLATE_TEST_SECRET_VARIABLE" } as never,
      }).save("env-backed", { store });
      const resolved = (await resolveTemplate(
        {
          whole: "{{ blocks.secret.from-env }}",
          inline: "token={{ blocks.secret.from-env }}",
          field: "{{ blocks.test-template-credentials.env-backed.password }}",
          block: "{{ blocks.test-template-credentials.env-backed }}",
          part: "{{ blocks.secret.service.id }}",
          listPart: "{{ blocks.secret.service.scopes.0 }}",
          inlinePart: "svc={{ blocks.secret.service.id }}",
        },
        { store },
      )) as Record<string, unknown>;
      const block = resolved.block as Record<string, unknown>;
      for (const value of [
        resolved.whole,
        resolved.inline,
        resolved.field,
        block.password,
        resolved.part,
        resolved.listPart,
        resolved.inlinePart,
      ]) {
        expect(SecretValue.isInstance(value)).toBe(true);
      }
      expect(JSON.stringify(resolved)).not.toContain("canary");
      expect(JSON.stringify(resolved)).not.toContain("svc");
      expect(await (resolved.whole as SecretValue).reveal()).toBe("env-secret-canary");
      expect(await (resolved.inline as SecretValue).reveal()).toBe("token=env-secret-canary");
      expect(await (resolved.field as SecretValue).reveal()).toBe("env-secret-canary");
      expect(await (resolved.part as SecretValue).reveal()).toBe("svc");
      expect(await (resolved.listPart as SecretValue).reveal()).toBe("a");
      expect(await (resolved.inlinePart as SecretValue).reveal()).toBe("svc=svc");
      const revealed = await resolveTemplate(
        { part: "{{ blocks.secret.service.id }}", whole: "{{ blocks.secret.from-env }}" },
        { store, revealSecrets: true },
      );
      expect(revealed).toEqual({ part: "svc", whole: "env-secret-canary" });
      const missing = (await resolveTemplate("{{ blocks.secret.service.nope }}", {
        store,
      })) as SecretValue;
      const error = await errorOf(missing.reveal());
      expect(error.code).toBe("TEMPLATE_UNRESOLVED");
      expect(error.message).toContain("service.nope");
      expect(error.message).not.toContain("svc");
    } finally {
      delete process.env.TEMPLATE_TEST_SECRET_VARIABLE;
    }
  });
});

describe("template output bound", () => {
  it("refuses a small template whose placeholders would expand past the output limit", async () => {
    await new Note({ text: "n".repeat(100_000) }).save("big", { store });
    const inline = Array.from({ length: 400 }, () => "{{ blocks.test-template-note.big.text }}");
    const template = { inline: inline.join(" "), list: [] as string[] };
    expect(JSON.stringify(template).length).toBeLessThan(20_000);
    const started = performance.now();
    const error = await errorOf(resolveTemplate(template, { store }));
    const elapsedMs = performance.now() - started;
    expect(TemplateTooLargeError.isInstance(error)).toBe(true);
    expect(error.code).toBe("TEMPLATE_TOO_LARGE");
    expect((error as TemplateTooLargeError).limit).toBe(MAX_TEMPLATE_OUTPUT_BYTES);
    expect((error as TemplateTooLargeError).location).toBe("inline");
    expect(error.message).toContain(String(MAX_TEMPLATE_OUTPUT_BYTES));
    expect(error.message).toContain("maxOutputBytes");
    expect(error.message).not.toContain("nnnn");
    expect(elapsedMs).toBeLessThan(5_000);

    const whole = {
      list: Array.from({ length: 400 }, () => "{{ blocks.test-template-note.big }}"),
    };
    const wholeError = await errorOf(resolveTemplate(whole, { store }));
    expect(wholeError.code).toBe("TEMPLATE_TOO_LARGE");
    expect((wholeError as TemplateTooLargeError).location).toMatch(/^list\[\d+\]$/);
  });

  it("resolves output up to a limit the caller sets, and refuses one byte more", async () => {
    await new Note({ text: "abcd" }).save("small", { store });
    const template = { a: "{{ blocks.test-template-note.small.text }}-{{ env.TEMPLATE_N }}" };
    const environment = { TEMPLATE_N: "é" };
    // "abcd" + "-" + "é" (2 bytes in UTF-8) = 7 bytes.
    expect(await resolveTemplate(template, { store, environment, maxOutputBytes: 7 })).toEqual({
      a: "abcd-é",
    });
    const error = await errorOf(
      resolveTemplate(template, { store, environment, maxOutputBytes: 6 }),
    );
    expect(error.code).toBe("TEMPLATE_TOO_LARGE");
    const invalid = await errorOf(resolveTemplate(template, { store, maxOutputBytes: -1 }));
    expect(invalid.code).toBe("INVALID_INPUT");
  });

  it("bounds the text a masked template string gives when it is revealed", async () => {
    await new Secret({ value: "s".repeat(50_000) }).save("large", { store });
    const template = Array.from({ length: 100 }, () => "{{ blocks.secret.large }}").join(",");
    const masked = (await resolveTemplate(template, {
      store,
      maxOutputBytes: 1_000_000,
    })) as SecretValue;
    expect(SecretValue.isInstance(masked)).toBe(true);
    const error = await errorOf(masked.reveal());
    expect(error.code).toBe("TEMPLATE_TOO_LARGE");
    expect(error.message).not.toContain("sss");
    const revealed = await errorOf(
      resolveTemplate(template, { store, maxOutputBytes: 1_000_000, revealSecrets: true }),
    );
    expect(revealed.code).toBe("TEMPLATE_TOO_LARGE");
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
            !/^TESSERA_/i.test(name) &&
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
