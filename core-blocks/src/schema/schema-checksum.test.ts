import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../block/index.js";
import type { JsonObject, JsonValue } from "./json.js";
import { checksumInput, schemaChecksum, secretPaths } from "./schema-checksum.js";
import { secret } from "./secret.js";

const Flat = defineBlock({
  type: "golden-flat",
  schema: z.object({ host: z.string(), port: z.number().int() }),
});

const WithSecret = defineBlock({
  type: "golden-secret",
  schema: z.object({ user: z.string(), password: secret() }),
});

const WithDefaults = defineBlock({
  type: "golden-defaults",
  schema: z.object({
    region: z.string().default("us-east-1"),
    retries: z.number().int().min(0).default(3),
    tags: z.array(z.string()).default([]),
  }),
});

const Nested = defineBlock({
  type: "golden-nested",
  schema: z.object({
    bucket: z.string(),
    credentials: WithSecret.field(),
    headers: z.record(z.string(), secret()).optional(),
  }),
});

describe("schema checksums", () => {
  it("pins the checksums of a flat schema, a secret, defaults and a nested block", () => {
    expect({
      flat: Flat.checksum,
      secret: WithSecret.checksum,
      defaults: WithDefaults.checksum,
      nested: Nested.checksum,
    }).toEqual({
      flat: "sha256:810cce6af843461c2b6d78649574db79ed644dbd1229e0cf7093132936df8747",
      secret: "sha256:b7c1694db4ce4993866b5ab7abbfeec46e54643bb4ababfcb81d838d5be1dea9",
      defaults: "sha256:ffd244ce9d774a381a6693c5920197aa097d6eb33930122a64354e27ddd34b7d",
      nested: "sha256:b5dd57da98d311465e816adcf9fa5c7ab3d7c3529171cf7e7f43e35002aa3061",
    });
  });

  it("is sha256 of the canonical JSON of the structure", () => {
    const canonical =
      '{"properties":{"host":{"type":"string"},"port":{"maximum":9007199254740991,"minimum":-9007199254740991,"type":"integer"}},"required":["host","port"],"type":"object"}';
    expect(Flat.checksum).toBe(`sha256:${createHash("sha256").update(canonical).digest("hex")}`);
    expect(checksumInput(Flat.jsonSchema)).toEqual({
      type: "object",
      properties: {
        host: { type: "string" },
        port: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 },
      },
      required: ["host", "port"],
    });
  });

  it("ignores titles, descriptions and examples but not defaults or constraints", () => {
    const described = defineBlock({
      type: "golden-flat-described",
      title: "Another title",
      description: "Words change; structure does not.",
      schema: z.object({
        host: z.string().describe("The host name"),
        port: z
          .number()
          .int()
          .meta({ title: "Port", examples: [5432] }),
      }),
    });
    expect(described.checksum).toBe(Flat.checksum);
    const withDefault = defineBlock({
      type: "golden-flat-default",
      schema: z.object({ host: z.string(), port: z.number().int().default(5432) }),
    });
    expect(withDefault.checksum).not.toBe(Flat.checksum);
    const constrained = defineBlock({
      type: "golden-flat-constrained",
      schema: z.object({ host: z.string().min(1), port: z.number().int() }),
    });
    expect(constrained.checksum).not.toBe(Flat.checksum);
  });

  it("keeps a property named like a cosmetic keyword", () => {
    const named = defineBlock({
      type: "golden-named",
      schema: z.object({ title: z.string(), description: z.string() }),
    });
    expect(named.checksum).not.toBe(
      defineBlock({ type: "golden-named-other", schema: z.object({ title: z.string() }) }).checksum,
    );
  });

  it("counts a nested block through its type and checksum only", () => {
    const input = checksumInput(Nested.jsonSchema) as JsonObject;
    const properties = input.properties as JsonObject;
    expect(properties.credentials).toEqual({
      "x-tessera-block": { type: "golden-secret", checksum: WithSecret.checksum },
    });
    expect(Nested.jsonSchema.properties).toMatchObject({
      credentials: { properties: { password: { writeOnly: true, format: "password" } } },
    });
  });

  it("gives the same checksum whatever the key order", () => {
    const json = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.string(),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 5 }),
      ),
    })).value;
    const reversed = (value: JsonValue): JsonValue => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([key, item]) => [key, reversed(item)]),
      );
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 6 }), (schema) => {
        expect(schemaChecksum(reversed(schema) as JsonObject)).toBe(schemaChecksum(schema));
        expect(checksumInput(checksumInput(schema))).toEqual(checksumInput(schema));
      }),
      { numRuns: 200 },
    );
  });
});

describe("secret field paths", () => {
  it("lists secrets of nested blocks and of records", () => {
    expect(WithSecret.secretFields).toEqual(["password"]);
    expect(Nested.secretFields).toEqual(["credentials.password", "headers.*"]);
    expect(Flat.secretFields).toEqual([]);
  });

  it("marks secret fields writeOnly with format password in the JSON Schema", () => {
    expect(WithSecret.jsonSchema.properties).toEqual({
      user: { type: "string" },
      password: { type: "string", writeOnly: true, format: "password" },
    });
    expect(
      secretPaths({
        type: "object",
        properties: { keys: { type: "array", items: { writeOnly: true, format: "password" } } },
      }),
    ).toEqual(["keys.*"]);
  });
});

describe("described fields", () => {
  it("keeps secrets and nested blocks marked through .describe() and .meta()", () => {
    const Described = defineBlock({
      type: "golden-described",
      schema: z.object({
        token: secret().describe("The API token"),
        other: secret().meta({ title: "Other" }).optional(),
        credentials: WithSecret.field().describe("Who connects"),
      }),
    });
    expect(Described.secretFields).toEqual(["credentials.password", "other", "token"]);
    expect(Described.jsonSchema.properties).toMatchObject({
      token: { writeOnly: true, format: "password", description: "The API token" },
      credentials: { "x-tessera-block": { type: "golden-secret" } },
    });
    const Plain = defineBlock({
      type: "golden-described-plain",
      schema: z.object({
        token: secret(),
        other: secret().optional(),
        credentials: WithSecret.field(),
      }),
    });
    expect(Described.checksum).toBe(Plain.checksum);
  });
});
