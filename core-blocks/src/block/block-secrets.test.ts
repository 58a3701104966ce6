import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationFailedError } from "../errors/index.js";
import { secret } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";
import { type BlockStore, openSqliteStore } from "../store/index.js";
import { defineBlock } from "./index.js";
import { useFreshMemoryStore } from "./test-fixtures.js";

const Credentials = defineBlock({
  type: "secrets-credentials",
  schema: z.object({ user: z.string(), password: secret() }),
});

const Webhook = defineBlock({
  type: "secrets-webhook",
  schema: z.object({
    url: z.string(),
    headers: z.record(z.string(), secret()).default({}),
    credentials: Credentials.field().optional(),
  }),
});

let store: BlockStore;
useFreshMemoryStore((fresh) => {
  store = fresh;
});

async function storedData(type: string, name: string) {
  const document = await store.get({ type, name });
  if (!document) throw new Error(`${type}/${name} is not stored`);
  return document;
}

describe("secrets at rest", () => {
  it("stores only ciphertext, with one data key per document", async () => {
    await new Credentials({ user: "u", password: "hunter2-canary" }).save("db", { store });
    const document = await storedData("secrets-credentials", "db");
    expect(JSON.stringify(document)).not.toContain("hunter2");
    expect(document.data.password).toMatchObject({ $sealed: expect.any(String) });
    expect(document.dataKey).not.toBeNull();
    expect(document.data.user).toBe("u");
  });

  it("reveals secrets holding NUL, a lone surrogate, emoji and combining marks exactly, in a SQLite store too", async () => {
    const awkward = ["a\u0000b", "x\ud800y", "\udc00", "😀 👩‍👩‍👧", "e\u0301", " ", "\u202e"];
    const sqliteFolder = mkdtempSync(join(tmpdir(), "tessera-awkward-secrets-"));
    const sqlite = await openSqliteStore({ path: join(sqliteFolder, "tessera.db") });
    try {
      for (const target of [store, sqlite]) {
        for (const [index, password] of awkward.entries()) {
          await new Credentials({ user: "u", password }).save(`awkward-${index}`, {
            store: target,
          });
          const loaded = await Credentials.load(`awkward-${index}`, { store: target });
          expect(await loaded.password.reveal()).toBe(password);
        }
      }
    } finally {
      await sqlite.close();
      rmSync(sqliteFolder, { recursive: true, force: true });
    }
  });

  it("creates no data key for a document without secrets", async () => {
    await new Webhook({ url: "https://example.test/hook" }).save("plain", { store });
    expect((await storedData("secrets-webhook", "plain")).dataKey).toBeNull();
  });

  it("seals secrets inside records and inline nested blocks under their own paths", async () => {
    await new Webhook({
      url: "https://example.test/hook",
      headers: { Authorization: "Bearer abc" },
      credentials: { user: "u", password: "p4ss" },
    }).save("hook", { store });
    const loaded = await Webhook.load("hook", { store });
    expect(await loaded.headers.Authorization?.reveal()).toBe("Bearer abc");
    expect(await loaded.credentials?.password.reveal()).toBe("p4ss");
    expect(loaded.credentials?.slug).toBeUndefined();
    const document = await storedData("secrets-webhook", "hook");
    expect(JSON.stringify(document.data)).not.toContain("p4ss");
  });

  it("keeps the stored secret for a keep marker, so masked output can be written back", async () => {
    await new Credentials({ user: "u", password: "original" }).save("keep", { store });
    const masked = (await Credentials.load("keep", { store })).toJSON();
    expect(masked.password).toBe("********");
    await new Credentials({ user: "v", password: { $keep: true } }).save("keep", {
      store,
      overwrite: true,
    });
    const loaded = await Credentials.load("keep", { store });
    expect(loaded.user).toBe("v");
    expect(await loaded.password.reveal()).toBe("original");
  });

  it("saves the mask text as a real secret when it is given as a value", async () => {
    await new Credentials({ user: "u", password: "********" }).save("mask", { store });
    expect(await (await Credentials.load("mask", { store })).password.reveal()).toBe("********");
  });

  it("refuses a keep marker when there is nothing to keep, naming the field", async () => {
    const error = await new Credentials({ user: "u", password: SecretValue.keep() })
      .save("nothing", { store })
      .catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as ValidationFailedError).message).toContain("password");
    expect((error as ValidationFailedError).message).toContain("secrets-credentials/nothing");
    expect(await store.get({ type: "secrets-credentials", name: "nothing" })).toBeUndefined();
  });

  it("stores a reference as a reference and resolves it on reveal", async () => {
    process.env.TEST_TESSERA_REFERENCED = "from-the-environment";
    await new Credentials({
      user: "u",
      password: { $reference: "env:TEST_TESSERA_REFERENCED" },
    }).save("ref", { store });
    expect((await storedData("secrets-credentials", "ref")).data.password).toEqual({
      $reference: "env:TEST_TESSERA_REFERENCED",
    });
    const loaded = await Credentials.load("ref", { store });
    expect(loaded.password.origin).toEqual({
      kind: "reference",
      reference: "env:TEST_TESSERA_REFERENCED",
    });
    expect(await loaded.password.reveal()).toBe("from-the-environment");
  });

  it("reuses the sealed form when a loaded secret is saved back to the same place", async () => {
    await new Credentials({ user: "u", password: "same" }).save("reuse", { store });
    const before = (await storedData("secrets-credentials", "reuse")).data.password;
    const loaded = await Credentials.load("reuse", { store });
    loaded.user = "w";
    await loaded.save("reuse", { store, overwrite: true });
    expect((await storedData("secrets-credentials", "reuse")).data.password).toEqual(before);
  });

  it("re-seals a secret copied to another document, so it decrypts there", async () => {
    await new Credentials({ user: "u", password: "moved" }).save("from", { store });
    const loaded = await Credentials.load("from", { store });
    await new Credentials({ user: "u", password: loaded.password }).save("to", { store });
    const from = (await storedData("secrets-credentials", "from")).data.password;
    const to = (await storedData("secrets-credentials", "to")).data.password;
    expect(to).not.toEqual(from);
    expect(await (await Credentials.load("to", { store })).password.reveal()).toBe("moved");
  });

  it("does not decrypt a ciphertext moved to another field by hand", async () => {
    await new Webhook({
      url: "u",
      headers: { a: "first", b: "second" },
    }).save("swap", { store });
    const document = await storedData("secrets-webhook", "swap");
    const headers = document.data.headers as Record<string, unknown>;
    await store.put({
      ...document,
      data: { ...document.data, headers: { a: headers.b!, b: headers.a! } } as never,
      expectedRevision: document.revision,
    });
    const loaded = await Webhook.load("swap", { store });
    await expect(loaded.headers.a!.reveal()).rejects.toThrow();
  });
});

describe("concurrent saves with secrets", () => {
  it("lets concurrent overwrites all land, each readable, without a caller-side conflict", async () => {
    await new Credentials({ user: "start", password: "p0" }).save("busy", { store });
    const writers = Array.from({ length: 4 }, (_, index) =>
      new Credentials({ user: `writer-${index}`, password: `p${index}` }).save("busy", {
        store,
        overwrite: true,
      }),
    );
    await Promise.all(writers);
    const loaded = await Credentials.load("busy", { store });
    expect(loaded.revision).toBe(5);
    const index = Number(loaded.user.replace("writer-", ""));
    expect(await loaded.password.reveal()).toBe(`p${index}`);
  });
});
