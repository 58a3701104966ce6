import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { BlockReferencedError, type TesseraError } from "../src/errors/index.js";
import { type JsonValue, secret } from "../src/schema/index.js";
import { Secret } from "../src/secret-block/index.js";
import { SecretValue } from "../src/secrets/index.js";
import { type BlockStore, createMemoryStore } from "../src/store/index.js";
import { errorOf, openTestStore, useKeyedStore } from "./secrets-helpers.js";

class Database extends defineBlock({
  type: "test-ref-database",
  title: "Database",
  schema: z.object({
    host: z.string(),
    password: secret(),
    replicas: z.array(z.object({ password: secret() })).optional(),
  }),
}) {}

/** A secret source standing in for an external secret manager. */
class VaultEntry extends defineBlock({
  type: "test-ref-vault-entry",
  title: "Vault entry",
  capabilities: ["secret-source"],
  schema: z.object({ path: z.string() }),
}) {
  async readSecret(): Promise<JsonValue> {
    return `vault:${this.path}`;
  }
}

class Plain extends defineBlock({
  type: "test-ref-plain",
  title: "Plain",
  schema: z.object({ port: z.number() }),
}) {}

const backends: Array<[string, (home: string) => Promise<BlockStore>]> = [
  ["SQLite", (home) => openTestStore(home)],
  ["memory", async () => createMemoryStore()],
];

describe.each(backends)("secrets used by reference (%s store)", (_backend, open) => {
  let store: BlockStore;
  useKeyedStore({ environmentKey: true, open }, (keyed) => {
    store = keyed.store;
  });

  function reference(target: string): { $reference: string } {
    return { $reference: target };
  }

  it("refuses to delete a secret that other blocks reference, naming them, unless forced", async () => {
    await new Secret({ value: "db-canary" }).save("db-password", { store });
    await new Database({ host: "a", password: reference("secret/db-password") }).save("app", {
      store,
    });
    await new Database({
      host: "b",
      password: "inline-canary",
      replicas: [{ password: reference("secret/db-password") }],
    }).save("reporting", { store });

    const error = await errorOf(Secret.delete("db-password", { store }));
    expect(BlockReferencedError.isInstance(error)).toBe(true);
    expect(error.code).toBe("BLOCK_REFERENCED");
    expect((error as BlockReferencedError).referrers).toEqual([
      "test-ref-database/app",
      "test-ref-database/reporting",
    ]);
    expect(error.message).toContain("secret/db-password");
    expect(error.message).not.toContain("canary");
    expect(await (await Secret.load("db-password", { store })).get()).toBe("db-canary");

    expect(await Secret.delete("db-password", { store, force: true })).toBe(true);
    expect(await Secret.load("db-password", { store }).catch((e: TesseraError) => e.code)).toBe(
      "BLOCK_NOT_FOUND",
    );
  });

  it("refuses to rename a secret that secret references name by slug, unless forced", async () => {
    await new Secret({ value: "rename-canary" }).save("db-password", { store });
    await new Database({ host: "a", password: reference("secret/db-password") }).save("app", {
      store,
    });

    const error = await errorOf(Secret.rename("db-password", "database-password", { store }));
    expect(BlockReferencedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('Cannot rename "secret/db-password"');
    expect((error as BlockReferencedError).referrers).toEqual(["test-ref-database/app"]);
    expect(error.message).not.toContain("rename-canary");
    // Nothing moved: the reference still resolves.
    expect(await (await Database.load("app", { store })).password.reveal()).toBe("rename-canary");

    await Secret.rename("db-password", "database-password", { store, force: true });
    expect(await (await Secret.load("database-password", { store })).get()).toBe("rename-canary");
  });

  it("renames a block that other blocks nest, since nested blocks follow it by id", async () => {
    class Holder extends defineBlock({
      type: "test-ref-holder",
      title: "Holder",
      schema: z.object({ plain: Plain.field() }),
    }) {}
    await new Plain({ port: 5432 }).save("pg", { store });
    await new Holder({ plain: await Plain.load("pg", { store }) }).save("holder", { store });
    expect(
      (await store.referrers((await store.get({ type: "test-ref-plain", name: "pg" }))!.id)).length,
    ).toBe(1);

    await Plain.rename("pg", "postgres", { store });
    expect((await Holder.load("holder", { store })).plain.port).toBe(5432);
  });

  it("protects any secret-source block referenced through $reference", async () => {
    await new VaultEntry({ path: "prod/db" }).save("db", { store });
    await new Database({ host: "a", password: reference("test-ref-vault-entry/db") }).save("app", {
      store,
    });
    const error = await errorOf(VaultEntry.delete("db", { store }));
    expect(error.code).toBe("BLOCK_REFERENCED");
    expect((error as BlockReferencedError).referrers).toEqual(["test-ref-database/app"]);
    expect(await (await Database.load("app", { store })).password.reveal()).toBe("vault:prod/db");
  });

  it("lets a secret go once no newest revision references it any more", async () => {
    await new Secret({ value: "old" }).save("old-password", { store });
    await new Database({ host: "a", password: reference("secret/old-password") }).save("app", {
      store,
    });
    await new Database({ host: "a", password: "now-inline" }).save("app", {
      store,
      overwrite: true,
    });
    expect(await Secret.delete("old-password", { store })).toBe(true);
  });

  it("records a reference kept from the stored revision with the keep marker", async () => {
    await new Secret({ value: "kept" }).save("kept-password", { store });
    await new Database({ host: "a", password: reference("secret/kept-password") }).save("app", {
      store,
    });
    await new Database({ host: "b", password: SecretValue.keep() }).save("app", {
      store,
      overwrite: true,
    });
    const error = await errorOf(Secret.delete("kept-password", { store }));
    expect(error.code).toBe("BLOCK_REFERENCED");
  });

  it("refuses at save a reference to a block that does not exist, naming the field", async () => {
    const error = await errorOf(
      new Database({ host: "a", password: reference("secret/not-saved-yet") }).save("app", {
        store,
      }),
    );
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("secret/not-saved-yet");
    expect(error.message).toContain("field password");
    expect(error.message).toContain("does not exist");
    expect(error.message).toContain("tessera secret set not-saved-yet");
    expect(await store.get({ type: "test-ref-database", name: "app" })).toBe(undefined);

    await new Secret({ value: "one" }).save("pinned", { store });
    const pinned = await errorOf(
      new Database({ host: "a", password: reference("secret/pinned?versionId=2") }).save("app", {
        store,
      }),
    );
    expect(pinned.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(pinned.message).toContain("revision");
    await new Database({ host: "a", password: reference("secret/pinned?versionId=1") }).save(
      "app",
      { store },
    );
    expect(await (await Database.load("app", { store })).password.reveal()).toBe("one");

    const nested = await errorOf(
      new Database({
        host: "a",
        password: "inline",
        replicas: [{ password: reference("test-ref-vault-entry/missing") }],
      }).save("replicated", { store }),
    );
    expect(nested.message).toContain("field replicas.0.password");
  });

  it("refuses at save a reference to a block whose type is not a secret source", async () => {
    await new Plain({ port: 5432 }).save("db", { store });
    const error = await errorOf(
      new Database({ host: "a", password: reference("test-ref-plain/db") }).save("app", {
        store,
      }),
    );
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("secret-source");
    expect(error.message).toContain('"test-ref-database/app" was not saved');
    expect(await store.get({ type: "test-ref-database", name: "app" })).toBe(undefined);
  });

  it("refuses at save two secrets that would reference each other", async () => {
    await new Secret({ value: "seed" }).save("b", { store });
    await new Secret({ value: { $reference: "secret/b" } }).save("a", { store });
    const error = await errorOf(
      new Secret({ value: { $reference: "secret/a" } }).save("b", { store, overwrite: true }),
    );
    expect(error.code).toBe("REFERENCE_CYCLE");
    expect(error.message).toContain("secret/a");
    const itself = await errorOf(
      new Secret({ value: { $reference: "secret/a" } }).save("a", { store, overwrite: true }),
    );
    expect(itself.code).toBe("REFERENCE_CYCLE");
    expect(await (await Secret.load("a", { store })).get()).toBe("seed");
  });

  it("needs no stored document for an env: reference", async () => {
    process.env.TEST_REF_PROTECTION_VARIABLE = "from-env";
    try {
      await new Database({
        host: "a",
        password: reference("env:TEST_REF_PROTECTION_VARIABLE"),
      }).save("app", { store });
      expect((await store.get({ type: "test-ref-database", name: "app" }))?.references).toEqual([]);
    } finally {
      delete process.env.TEST_REF_PROTECTION_VARIABLE;
    }
  });
});
