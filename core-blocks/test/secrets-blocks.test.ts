import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import type { TesseraError } from "../src/errors/index.js";
import { type JsonValue, secret } from "../src/schema/index.js";
import { isSecretBytes, Secret } from "../src/secret-block/index.js";
import { configureSecretReferences, SECRET_MASK, SecretValue } from "../src/secrets/index.js";
import type { BlockStore } from "../src/store/index.js";
import {
  errorOf,
  type KeyedStore,
  openTestStore,
  randomKey,
  useKeyedStore,
} from "./secrets-helpers.js";

class ApiCredentials extends defineBlock({
  type: "test-api-credentials",
  title: "API credentials",
  schema: z.object({
    user: z.string(),
    token: secret(),
    extra: secret({ json: true }).optional(),
  }),
}) {}

/** A secret source backed by a plain field, standing in for an external secret manager. */
let reads = 0;
class VaultEntry extends defineBlock({
  type: "test-vault-entry",
  title: "Vault entry",
  capabilities: ["secret-source"],
  schema: z.object({ path: z.string() }),
}) {
  async readSecret(): Promise<JsonValue> {
    reads += 1;
    const value = process.env[`TEST_VAULT_${this.path}`];
    if (value === undefined) throw new Error(`vault path ${this.path} is empty`);
    return value;
  }
}

class Plain extends defineBlock({
  type: "test-plain",
  title: "Plain",
  schema: z.object({ port: z.number() }),
}) {}

let environment: KeyedStore["environment"];
let store: BlockStore;
useKeyedStore({ environmentKey: true }, (keyed) => {
  ({ environment, store } = keyed);
});

describe("the Secret block", () => {
  it("saves a string under secret/<name> and gives it back with get()", async () => {
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    await new Secret({ value: canary }).save("db-password", { store });
    const loaded = await Secret.load("db-password", { store });
    expect(loaded.slug).toBe("secret/db-password");
    expect(await loaded.get()).toBe(canary);
    expect(JSON.stringify(loaded)).toBe(`{"value":"${SECRET_MASK}"}`);
    expect(inspect(loaded)).not.toContain(canary);
    const stored = await store.get({ type: "secret", name: "db-password" });
    expect(JSON.stringify(stored)).not.toContain(canary);
  });

  it("holds any JSON value", async () => {
    const value = { clientId: "abc", keys: ["k1", "k2"], rotation: 30 };
    await new Secret({ value }).save("service-account", { store });
    expect(await (await Secret.load("service-account", { store })).get()).toEqual(value);
  });
});

describe("binary secrets", () => {
  it("keeps bytes that are not text exactly, through save and load", async () => {
    const bytes = randomBytes(2_000);
    bytes[0] = 0xff;
    await Secret.fromBytes(bytes).save("keystore", { store });
    const loaded = await Secret.load("keystore", { store });
    expect((await loaded.getBytes()).equals(bytes)).toBe(true);
    expect(isSecretBytes(await loaded.get())).toBe(true);
    await new Secret({ value: "text-é" }).save("text", { store });
    expect((await (await Secret.load("text", { store })).getBytes()).toString("utf8")).toBe(
      "text-é",
    );
  });
});

describe("masked round trip", () => {
  it("writes masked output back with the keep marker without changing the stored secret", async () => {
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    await new ApiCredentials({ user: "svc", token: canary }).save("api", { store });
    const shown = (await ApiCredentials.load("api", { store })).toJSON();
    expect(shown).toEqual({ user: "svc", token: SECRET_MASK });
    const edited = { ...shown, user: "svc-2", token: { $keep: true as const } };
    await new ApiCredentials(edited).save("api", { store, overwrite: true });
    const again = await ApiCredentials.load("api", { store });
    expect(again.user).toBe("svc-2");
    expect(again.revision).toBe(2);
    expect(await again.token.reveal()).toBe(canary);
    const keptWithValue = new ApiCredentials({ user: "svc-3", token: SecretValue.keep() });
    await keptWithValue.save("api", { store, overwrite: true });
    expect(await (await ApiCredentials.load("api", { store })).token.reveal()).toBe(canary);
  });

  it("stores a real secret whose text is ******** as that text", async () => {
    await new ApiCredentials({ user: "svc", token: SECRET_MASK }).save("masked-text", { store });
    const loaded = await ApiCredentials.load("masked-text", { store });
    expect(await loaded.token.reveal()).toBe(SECRET_MASK);
    await new ApiCredentials({ user: "svc", token: "real-value-1" }).save("masked-text", {
      store,
      overwrite: true,
    });
    expect(await (await ApiCredentials.load("masked-text", { store })).token.reveal()).toBe(
      "real-value-1",
    );
  });

  it("refuses the keep marker when nothing is stored to keep", async () => {
    const error = await errorOf(
      new ApiCredentials({ user: "svc", token: { $keep: true } }).save("fresh", { store }),
    );
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("token");
  });
});

describe("secret references", () => {
  it("resolves env:NAME on reveal and names the variable when it is unset", async () => {
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    process.env.TEST_TESSERA_TOKEN = canary;
    await new ApiCredentials({ user: "svc", token: { $reference: "env:TEST_TESSERA_TOKEN" } }).save(
      "from-env",
      { store },
    );
    const loaded = await ApiCredentials.load("from-env", { store });
    expect(await loaded.token.reveal()).toBe(canary);
    expect(
      JSON.stringify(await store.get({ type: "test-api-credentials", name: "from-env" })),
    ).not.toContain(canary);
    delete process.env.TEST_TESSERA_TOKEN;
    const error = await errorOf(loaded.token.reveal());
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("env:TEST_TESSERA_TOKEN");
    expect(error.message).not.toContain(canary);
  });

  it("resolves secret/<name> through the Secret block", async () => {
    await new Secret({ value: "from-secret-block" }).save("shared", { store });
    await new ApiCredentials({ user: "svc", token: { $reference: "secret/shared" } }).save("ref", {
      store,
    });
    const loaded = await ApiCredentials.load("ref", { store });
    expect(loaded.token.origin).toEqual({ kind: "reference", reference: "secret/shared" });
    expect(await loaded.token.reveal()).toBe("from-secret-block");
  });

  it("resolves any block with the secret-source capability and caches reads for the TTL", async () => {
    process.env.TEST_VAULT_db = "first-value";
    await new VaultEntry({ path: "db" }).save("db", { store });
    const token = SecretValue.reference("test-vault-entry/db", { store });
    reads = 0;
    expect(await token.reveal()).toBe("first-value");
    process.env.TEST_VAULT_db = "second-value";
    expect(await token.reveal()).toBe("first-value");
    expect(reads).toBe(1);
    const uncached = SecretValue.reference("test-vault-entry/db", { store, cacheTtlMs: 0 });
    expect(await uncached.reveal()).toBe("second-value");
    configureSecretReferences({ cacheTtlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await token.reveal()).toBe("second-value");
    delete process.env.TEST_VAULT_db;
  });

  it("sees a Secret block saved in this process at once, despite the cache", async () => {
    await new Secret({ value: "first-version" }).save("rotating", { store });
    const token = SecretValue.reference("secret/rotating", { store });
    expect(await token.reveal()).toBe("first-version");
    await new Secret({ value: "second-version" }).save("rotating", { store, overwrite: true });
    expect(await token.reveal()).toBe("second-version");
  });

  it("honours a pinned version: a revision of a Secret block, a version id of a secret source", async () => {
    await new Secret({ value: "revision-one" }).save("pinned", { store });
    await new Secret({ value: "revision-two" }).save("pinned", { store, overwrite: true });
    expect(await SecretValue.reference("secret/pinned?versionId=1", { store }).reveal()).toBe(
      "revision-one",
    );
    expect(await SecretValue.reference("secret/pinned?version=1", { store }).reveal()).toBe(
      "revision-one",
    );
    expect(await SecretValue.reference("secret/pinned", { store }).reveal()).toBe("revision-two");
    const missing = await errorOf(
      SecretValue.reference("secret/pinned?versionId=9", { store }).reveal(),
    );
    expect(missing.message).toContain("secret/pinned?versionId=9");
    process.env.TEST_VAULT_v = "unused";
    await new VaultEntry({ path: "v" }).save("v", { store });
    const seen: unknown[] = [];
    const original = VaultEntry.prototype.readSecret;
    VaultEntry.prototype.readSecret = async function (this: VaultEntry, options?: unknown) {
      seen.push(options);
      return original.call(this);
    };
    try {
      await SecretValue.reference("test-vault-entry/v?versionId=abc-1&versionStage=AWSPREVIOUS", {
        store,
      }).reveal();
      expect(seen).toEqual([{ versionId: "abc-1", versionStage: "AWSPREVIOUS" }]);
    } finally {
      VaultEntry.prototype.readSecret = original;
      delete process.env.TEST_VAULT_v;
    }
    for (const bad of [
      "secret/pinned?versionStage=AWSCURRENT",
      "secret/pinned?versionId=x",
      "test-vault-entry/v?version=1&versionId=1",
      "test-vault-entry/v?versionId=1&versionId=2",
      "test-vault-entry/v?versionId=a b",
    ]) {
      expect(() => SecretValue.reference(bad)).toThrow(/version/);
    }
  });

  it("names the reference when the block is missing", async () => {
    const error = await errorOf(SecretValue.reference("secret/nowhere", { store }).reveal());
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("secret/nowhere");
    expect(error.message).toContain("does not exist");
  });

  it("refuses a reference to a block that is not a secret source", async () => {
    await new Plain({ port: 5432 }).save("db", { store });
    const error = await errorOf(SecretValue.reference("test-plain/db", { store }).reveal());
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("secret-source");
  });

  it("refuses malformed references at once", () => {
    for (const reference of [
      "",
      "env:",
      "env:1BAD",
      "secret",
      "Secret/x",
      "a/b/c",
      "secret/../x",
    ]) {
      expect(() => SecretValue.reference(reference)).toThrow(/SECRET_REFERENCE|reference/);
      try {
        SecretValue.reference(reference);
      } catch (error) {
        expect((error as TesseraError).code).toBe("SECRET_REFERENCE_UNRESOLVED");
      }
    }
  });

  it("stops a chain of references that loops back, naming the chain", async () => {
    // A cycle is refused at save; a store can still come to hold one when a referenced secret
    // is deleted with force and saved again pointing back.
    await new Secret({ value: "plain" }).save("b", { store });
    await new Secret({ value: { $reference: "secret/b" } }).save("a", { store });
    await Secret.delete("b", { store, force: true });
    await new Secret({ value: { $reference: "secret/a" } }).save("b", { store });
    const error = await errorOf(SecretValue.reference("secret/a", { store }).reveal());
    expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(error.message).toContain("secret/a → secret/b → secret/a");
  });
});

describe("tampering with stored secrets", () => {
  async function rewrite(name: string, mutate: (data: Record<string, unknown>) => void) {
    const stored = (await store.get({ type: "test-api-credentials", name }))!;
    const data = structuredClone(stored.data) as Record<string, unknown>;
    mutate(data);
    await store.put({
      id: stored.id,
      type: stored.type,
      name: stored.name,
      data: data as typeof stored.data,
      schemaChecksum: stored.schemaChecksum,
      schemaVersion: stored.schemaVersion,
      references: stored.references,
      dataKey: stored.dataKey,
      overwrite: true,
    });
  }

  async function revealError(name: string, field: "token" | "extra" = "token") {
    const loaded = await ApiCredentials.load(name, { store });
    const error = await errorOf((loaded[field] as SecretValue).reveal());
    expect(error.code).toBe("DECRYPTION_FAILED");
    expect(error.message).not.toContain("canary");
    return error as TesseraError & { reason: string; keyId?: string };
  }

  beforeEach(async () => {
    await new ApiCredentials({
      user: "a",
      token: "canary-a-token",
      extra: { k: "canary-extra" },
    }).save("a", { store });
    await new ApiCredentials({ user: "b", token: "canary-b-token" }).save("b", { store });
  });

  it("refuses a ciphertext copied from another document", async () => {
    const donor = (await store.get({ type: "test-api-credentials", name: "a" }))!;
    await rewrite("b", (data) => {
      data.token = donor.data.token;
    });
    const error = await revealError("b");
    expect(error.reason).toBe("authentication-failed");
  });

  it("refuses a ciphertext moved to another field of the same document", async () => {
    await rewrite("a", (data) => {
      data.token = data.extra;
    });
    expect((await revealError("a")).reason).toBe("authentication-failed");
  });

  it("refuses a truncated or bit-flipped stored ciphertext", async () => {
    await rewrite("a", (data) => {
      const sealed = (data.token as { $sealed: string }).$sealed;
      data.token = { $sealed: sealed.slice(0, sealed.length - 8) };
    });
    await revealError("a");
    await rewrite("b", (data) => {
      const bytes = Buffer.from((data.token as { $sealed: string }).$sealed, "base64");
      bytes[bytes.length - 20]! ^= 0x01;
      data.token = { $sealed: bytes.toString("base64") };
    });
    expect((await revealError("b")).reason).toBe("authentication-failed");
  });

  it("refuses an unknown format version with an unsupported-format error", async () => {
    await rewrite("a", (data) => {
      const bytes = Buffer.from((data.token as { $sealed: string }).$sealed, "base64");
      bytes[0] = 7;
      data.token = { $sealed: bytes.toString("base64") };
    });
    const error = await revealError("a");
    expect(error.reason).toBe("unsupported-format");
    expect(error.message).toContain("version 7");
  });

  it("refuses to reveal under a key ring that lacks the document's master key, naming it", async () => {
    const stored = (await store.get({ type: "test-api-credentials", name: "a" }))!;
    const fresh = await openTestStore(environment.home, "copy.db");
    process.env.TESSERA_ENCRYPTION_KEY = randomKey();
    await fresh.put({ ...stored, references: [], overwrite: true });
    const loaded = await ApiCredentials.load("a", { store: fresh });
    const error = await errorOf(loaded.token.reveal());
    expect(error.code).toBe("DECRYPTION_FAILED");
    expect(error.message).toContain(stored.dataKey!.masterKeyId);
    await fresh.close();
  });
});
