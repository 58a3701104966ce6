import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecryptionFailedError } from "../src/errors/index.js";
import type { JsonValue } from "../src/schema/index.js";
import {
  createSecretCipher,
  masterKeyId,
  SEALED_VALUE_FORMAT_VERSION,
  type SealContext,
} from "../src/secrets/index.js";

const canary = `canary-${randomBytes(12).toString("hex")}`;

async function sealedCanary() {
  const cipher = createSecretCipher([randomBytes(32)]);
  const dataKey = await cipher.createDataKey();
  const context: SealContext = { documentId: "doc-1", fieldPath: "token", dataKey };
  const sealed = await cipher.seal(context, canary);
  return { cipher, dataKey, context, sealed };
}

function bytesOf(sealed: { $sealed: string }): Buffer {
  return Buffer.from(sealed.$sealed, "base64");
}

async function failure(promise: Promise<unknown>): Promise<DecryptionFailedError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(DecryptionFailedError.isInstance(error)).toBe(true);
  const decryptionError = error as DecryptionFailedError;
  expect(decryptionError.code).toBe("DECRYPTION_FAILED");
  expect(decryptionError.message).not.toContain(canary);
  return decryptionError;
}

describe("AES-256-GCM envelope cipher", () => {
  it("round-trips strings and JSON values and never stores the plaintext", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    expect(sealed.$sealed).not.toContain(canary);
    expect(bytesOf(sealed).includes(Buffer.from(canary))).toBe(false);
    expect(await cipher.open(context, sealed)).toBe(canary);
    const json = { user: "svc", keys: [1, 2, { nested: true }], empty: "" };
    expect(await cipher.open(context, await cipher.seal(context, json))).toEqual(json);
    expect(await cipher.open(context, await cipher.seal(context, ""))).toBe("");
  });

  it("writes the format version byte and the data key id in front of every sealed value", async () => {
    const { sealed } = await sealedCanary();
    const bytes = bytesOf(sealed);
    expect(bytes[0]).toBe(SEALED_VALUE_FORMAT_VERSION);
    expect(bytes.length).toBe(1 + 8 + 12 + JSON.stringify(canary).length + 16);
  });

  it("uses a fresh nonce for every value, so equal plaintexts never give equal ciphertexts", async () => {
    const { cipher, context } = await sealedCanary();
    const nonces = new Set<string>();
    const ciphertexts = new Set<string>();
    for (let index = 0; index < 2000; index += 1) {
      const bytes = bytesOf(await cipher.seal(context, "same"));
      nonces.add(bytes.subarray(9, 21).toString("hex"));
      ciphertexts.add(bytes.toString("hex"));
    }
    expect(nonces.size).toBe(2000);
    expect(ciphertexts.size).toBe(2000);
  });

  it("refuses a value moved to another field with DECRYPTION_FAILED", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const error = await failure(cipher.open({ ...context, fieldPath: "password" }, sealed));
    expect(error.reason).toBe("authentication-failed");
    expect(error.fieldPath).toBe("password");
    expect(error.message).toContain("password");
  });

  it("refuses a value moved to another document with the same data key", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const error = await failure(cipher.open({ ...context, documentId: "doc-2" }, sealed));
    expect(error.reason).toBe("authentication-failed");
  });

  it("refuses a value copied from a document with another data key, naming that key id", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const otherKey = await cipher.createDataKey();
    const error = await failure(cipher.open({ ...context, dataKey: otherKey }, sealed));
    expect(error.reason).toBe("authentication-failed");
    expect(error.keyId).toBe(bytesOf(sealed).subarray(1, 9).toString("hex"));
    expect(error.message).toContain("another document");
  });

  it("refuses every flipped bit of a sealed value", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const bytes = bytesOf(sealed);
    for (let bit = 8; bit < bytes.length * 8; bit += 1) {
      const altered = Buffer.from(bytes);
      altered[bit >> 3]! ^= 1 << (bit & 7);
      const error = await failure(cipher.open(context, { $sealed: altered.toString("base64") }));
      expect(["authentication-failed", "unsupported-format"]).toContain(error.reason);
    }
  });

  it("refuses every truncation, including a missing tag, and never returns an empty value", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const bytes = bytesOf(sealed);
    for (let length = 0; length < bytes.length; length += 1) {
      const truncated = { $sealed: bytes.subarray(0, length).toString("base64") };
      await failure(cipher.open(context, truncated));
    }
    const withoutTag = { $sealed: bytes.subarray(0, bytes.length - 16).toString("base64") };
    expect((await failure(cipher.open(context, withoutTag))).reason).toMatch(
      /authentication-failed|unsupported-format/,
    );
  });

  it("reports an unknown version byte as an unsupported format", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const bytes = bytesOf(sealed);
    bytes[0] = 9;
    const error = await failure(cipher.open(context, { $sealed: bytes.toString("base64") }));
    expect(error.reason).toBe("unsupported-format");
    expect(error.message).toContain("version 9");
  });

  it("reports text that is not base64 as an unsupported format", async () => {
    const { cipher, context } = await sealedCanary();
    const error = await failure(cipher.open(context, { $sealed: "not base64 at all!" }));
    expect(error.reason).toBe("unsupported-format");
  });

  it("refuses a data key wrapped by a master key that is not in the ring, naming its id", async () => {
    const { context, sealed } = await sealedCanary();
    const stranger = createSecretCipher([randomBytes(32)]);
    const error = await failure(stranger.open(context, sealed));
    expect(error.reason).toBe("key-unavailable");
    expect(error.keyId).toBe(context.dataKey.masterKeyId);
    expect(error.message).toContain(context.dataKey.masterKeyId);
  });

  it("refuses an altered wrapped data key", async () => {
    const { cipher, context, sealed } = await sealedCanary();
    const wrapped = Buffer.from(context.dataKey.wrapped, "base64");
    wrapped[30]! ^= 0x40;
    const dataKey = { ...context.dataKey, wrapped: wrapped.toString("base64") };
    expect((await failure(cipher.open({ ...context, dataKey }, sealed))).reason).toBe(
      "authentication-failed",
    );
  });

  it("opens values under a rotated data key with a ring holding old and new keys", async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = createSecretCipher([oldKey]);
    const dataKey = await before.createDataKey();
    const context = { documentId: "doc", fieldPath: "token", dataKey };
    const sealed = await before.seal(context, canary);
    const ring = createSecretCipher([newKey, oldKey]);
    const rewrapped = await ring.rewrap(dataKey);
    expect(rewrapped.masterKeyId).toBe(masterKeyId(newKey));
    expect(await ring.rewrap(rewrapped)).toBe(rewrapped);
    expect(await ring.open({ ...context, dataKey: rewrapped }, sealed)).toBe(canary);
    expect(
      await createSecretCipher([newKey]).open({ ...context, dataKey: rewrapped }, sealed),
    ).toBe(canary);
    expect(await ring.open(context, sealed)).toBe(canary);
  });

  it("round-trips any JSON value through seal and open (property)", async () => {
    const cipher = createSecretCipher([randomBytes(32)]);
    const dataKey = await cipher.createDataKey();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.string(), async (value, fieldPath) => {
        const context = { documentId: "doc", fieldPath, dataKey };
        const normalised = JSON.parse(JSON.stringify(value)) as JsonValue;
        expect(await cipher.open(context, await cipher.seal(context, normalised))).toEqual(
          normalised,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("never decrypts random bytes: they always fail with DECRYPTION_FAILED (property)", async () => {
    const { cipher, context } = await sealedCanary();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        await failure(cipher.open(context, { $sealed: Buffer.from(bytes).toString("base64") }));
      }),
      { numRuns: 300 },
    );
  });
});
