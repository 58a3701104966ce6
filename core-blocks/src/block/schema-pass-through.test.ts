import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SchemaMismatchError, ValidationFailedError } from "../errors/index.js";
import { secret } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";
import type { BlockStore } from "../store/index.js";
import { defineBlock } from "./index.js";
import { passesUnchanged } from "./schema-pass-through.js";
import { caught, useFreshMemoryStore } from "./test-fixtures.js";

const Account = defineBlock({
  type: "fields-check-account",
  schema: z.object({ user: z.string(), role: z.string().default("reader") }),
});

const plainSchema = z.object({
  host: z.string(),
  port: z.number(),
  tls: z.boolean().default(true),
  note: z.string().nullable(),
  token: secret(),
  account: Account.field(),
  limits: z.object({ size: z.number().optional() }),
});

let store: BlockStore;
useFreshMemoryStore((fresh) => {
  store = fresh;
});

function plainFields(): Record<string, unknown> {
  return {
    host: "db.internal",
    port: 5432,
    tls: false,
    note: null,
    token: SecretValue.from("token-value"),
    account: new Account({ user: "etl" }),
    limits: { size: 10 },
  };
}

describe("skipping validation that would return the fields unchanged", () => {
  it("recognises fields that validation would return unchanged", () => {
    const fields = plainFields();
    expect(passesUnchanged(plainSchema, fields)).toBe(true);
    const parsed = plainSchema.parse(fields);
    expect(Object.keys(parsed)).toEqual(Object.keys(fields));
    for (const key of Object.keys(fields)) {
      if (key !== "limits") expect(parsed[key as keyof typeof parsed]).toBe(fields[key]);
    }
  });

  it("leaves missing, extra, reordered and mistyped fields to zod", () => {
    const { tls: _tls, ...missing } = plainFields();
    expect(passesUnchanged(plainSchema, missing)).toBe(false);
    expect(passesUnchanged(plainSchema, { ...plainFields(), extra: 1 })).toBe(false);
    const { host, ...rest } = plainFields();
    expect(passesUnchanged(plainSchema, { ...rest, host })).toBe(false);
    expect(passesUnchanged(plainSchema, { ...plainFields(), port: "5432" })).toBe(false);
    expect(passesUnchanged(plainSchema, { ...plainFields(), token: "plain text" })).toBe(false);
    expect(passesUnchanged(plainSchema, { ...plainFields(), account: { user: "etl" } })).toBe(
      false,
    );
    expect(passesUnchanged(plainSchema, { ...plainFields(), limits: [] })).toBe(false);
  });

  it("leaves schemas with checks, refinements, transforms or coercion to zod", () => {
    const schemas = [
      z.object({ name: z.string().min(1) }),
      z.object({ name: z.email() }),
      z.object({ name: z.string() }).refine(() => true),
      z.object({ name: z.string().refine(() => true) }),
      z.object({ name: z.string().transform((text) => text) }),
      z.object({ name: z.coerce.string() }),
      z.object({ count: z.number().int() }),
      z.object({ names: z.array(z.string()) }),
      z.object({ kind: z.enum(["a", "b"]) }),
    ];
    for (const schema of schemas) {
      const fields = schema === schemas[6] ? { count: 1 } : { name: "a@b.example" };
      expect(passesUnchanged(schema, fields)).toBe(false);
    }
  });

  it("only says yes when zod returns the same keys in the same order with the same values", () => {
    const schema = z.object({
      text: z.string().optional(),
      flag: z.boolean().nullable(),
      amount: z.number().default(1),
    });
    const anyValue = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.double(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant([]),
    );
    const fitting: Record<string, fc.Arbitrary<unknown>> = {
      text: fc.string(),
      flag: fc.oneof(fc.boolean(), fc.constant(null)),
      amount: fc.double(),
      other: anyValue,
    };
    const keyLists = fc.oneof(
      fc.constant(["text", "flag", "amount"]),
      fc.shuffledSubarray(["text", "flag", "amount", "other"]),
    );
    const fieldSets = keyLists.chain((keys) =>
      fc
        .tuple(...keys.map((key) => fc.oneof(fitting[key]!, anyValue)))
        .map((values) => keys.map((key, index) => [key, values[index]] as const)),
    );
    let recognised = 0;
    fc.assert(
      fc.property(fieldSets, (entries) => {
        const fields: Record<string, unknown> = {};
        for (const [key, value] of entries) fields[key] = value;
        if (!passesUnchanged(schema, fields)) return;
        recognised++;
        const parsed = schema.safeParse(fields);
        expect(parsed.success).toBe(true);
        expect(Object.entries(parsed.data ?? {})).toEqual(Object.entries(fields));
      }),
      { numRuns: 300 },
    );
    expect(recognised).toBeGreaterThan(0);
  });

  it("still refuses stored fields of the wrong type with SCHEMA_MISMATCH", async () => {
    const Server = defineBlock({
      type: "fields-check-server",
      schema: z.object({ host: z.string(), port: z.number() }),
    });
    await store.put({
      id: randomUUID(),
      type: Server.type,
      name: "broken",
      data: { host: "db.internal", port: "not a number" },
      schemaChecksum: Server.checksum,
      schemaVersion: Server.version,
      references: [],
      dataKey: null,
    });
    const error = await caught(Server.load("broken", { store }));
    expect(SchemaMismatchError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("port");
  });

  it("still applies refinements to stored fields on load", async () => {
    const Limited = defineBlock({
      type: "fields-check-limited",
      schema: z.object({
        label: z.string().refine((label) => label !== "forbidden", "not allowed"),
      }),
    });
    await store.put({
      id: randomUUID(),
      type: Limited.type,
      name: "refused",
      data: { label: "forbidden" },
      schemaChecksum: Limited.checksum,
      schemaVersion: Limited.version,
      references: [],
      dataKey: null,
    });
    const error = await caught(Limited.load("refused", { store }));
    expect(SchemaMismatchError.isInstance(error)).toBe(true);
  });

  it("still fills defaults and drops unknown fields of stored documents", async () => {
    const Settings = defineBlock({
      type: "fields-check-settings",
      schema: z.object({ host: z.string(), retries: z.number().default(3) }),
    });
    await store.put({
      id: randomUUID(),
      type: Settings.type,
      name: "sparse",
      data: { stale: true, host: "db.internal" },
      schemaChecksum: Settings.checksum,
      schemaVersion: Settings.version,
      references: [],
      dataKey: null,
    });
    const loaded = await Settings.load("sparse", { store });
    expect(loaded.toJSON()).toEqual({ host: "db.internal", retries: 3 });
    expect(Object.keys(loaded.toJSON())).toEqual(["host", "retries"]);
  });

  it("loads saved blocks with secrets and nested blocks as before", async () => {
    const Connection = defineBlock({
      type: "fields-check-connection",
      schema: z.object({ host: z.string(), password: secret(), account: Account.field() }),
    });
    const account = await new Account({ user: "etl" }).save("etl", { store });
    await new Connection({ host: "db.internal", password: "s3cret-value", account }).save("main", {
      store,
    });
    const loaded = await Connection.load("main", { store });
    expect(loaded.toJSON()).toEqual({
      host: "db.internal",
      password: "********",
      account: { user: "etl", role: "reader" },
    });
    expect(loaded.account.slug).toBe("fields-check-account/etl");
    expect(await loaded.password.reveal()).toBe("s3cret-value");
  });

  it("still refuses fields changed to the wrong type when saving", async () => {
    const account = new Account({ user: "etl" });
    (account as unknown as { user: unknown }).user = 42;
    const error = await caught(account.save("changed", { store }));
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("user");
    expect(await store.get({ type: Account.type, name: "changed" })).toBeUndefined();
  });

  it("saves fields changed to valid values as given", async () => {
    const account = await new Account({ user: "etl" }).save("renamed", { store });
    account.user = "loader";
    await account.save("renamed", { store, overwrite: true });
    const document = await store.get({ type: Account.type, name: "renamed" });
    expect(document?.data).toEqual({ user: "loader", role: "reader" });
  });
});
