import { afterEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors/index.js";
import { defineIntegration, registerIntegration } from "../src/integration/index.js";
import {
  forgetSecretCipher,
  getSecretCipher,
  keyStatus,
  rotateKeys,
} from "../src/secrets/index.js";
import { type BlockStore, getDefaultStore, setDefaultStore } from "../src/store/index.js";
import {
  errorOf,
  openSealedDocument,
  putSealedDocument,
  useKeyedStore,
} from "./secrets-helpers.js";

let store: BlockStore;
useKeyedStore(
  {
    open: () => {
      setDefaultStore(undefined);
      return getDefaultStore();
    },
  },
  (keyed) => {
    store = keyed.store;
  },
);
afterEach(() => {
  setDefaultStore(undefined);
});

describe("calls that take { store } default it to getDefaultStore()", () => {
  it("keyStatus() without options reports the default store's documents", async () => {
    const cipher = await getSecretCipher(store);
    await putSealedDocument(store, cipher, "first", { token: "t-1" });
    const status = await keyStatus();
    expect(status.keys).toHaveLength(1);
    expect(status.keys[0]).toMatchObject({ current: true, available: true, documents: 1 });
    expect(status).toEqual(await keyStatus({ store }));
  });

  it("rotateKeys() without a store re-wraps the default store's documents under a new key", async () => {
    const cipher = await getSecretCipher(store);
    const document = await putSealedDocument(store, cipher, "first", { token: "t-1" });
    const before = cipher.currentMasterKeyId;
    const result = await rotateKeys({ newKey: true });
    expect(result.rewrapped).toBe(1);
    expect(result.masterKeyId).not.toBe(before);
    const reread = (await store.get({ id: document.id }))!;
    expect(reread.dataKey?.masterKeyId).toBe(result.masterKeyId);
    forgetSecretCipher(store);
    expect(await openSealedDocument(await getSecretCipher(store), reread)).toEqual({
      token: "t-1",
    });
    expect(await rotateKeys()).toMatchObject({ rewrapped: 0, masterKeyId: result.masterKeyId });
  });

  it("getSecretCipher() without a store is the default store's cipher", async () => {
    expect(await getSecretCipher()).toBe(await getSecretCipher(store));
    forgetSecretCipher();
    const rebuilt = await getSecretCipher();
    expect(rebuilt).not.toBe(undefined);
    expect(rebuilt.currentMasterKeyId).toBe((await getSecretCipher(store)).currentMasterKeyId);
  });
});

describe("registerIntegration given something other than a package name", () => {
  it("says it was given a manifest and which name to pass, instead of [object Object]", async () => {
    const manifest = defineIntegration({
      name: "@example/defaults-test",
      version: "1.0.0",
      coreRange: ">=0.0.0",
      blocks: [],
    });
    const error = await errorOf(registerIntegration(manifest as unknown as string));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error.message).not.toContain("[object Object]");
    expect(error.message).toContain("manifest");
    expect(error.message).toContain('registerIntegration("@example/defaults-test")');
  });

  it("names the kind of value for anything else that is not a string", async () => {
    const error = await errorOf(registerIntegration(42 as unknown as string));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error.message).toContain("a number");
  });
});
