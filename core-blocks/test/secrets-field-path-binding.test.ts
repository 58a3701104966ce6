import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { DecryptionFailedError } from "../src/errors/index.js";
import { type JsonObject, type JsonValue, secret } from "../src/schema/index.js";
import {
  createSecretCipher,
  forgetSecretCipher,
  SEALED_VALUE_FORMAT_VERSION,
  type SealContext,
  type SecretValue,
} from "../src/secrets/index.js";
import type { BlockStore, WrappedDataKey } from "../src/store/index.js";
import { errorOf, isolateKeys, openTestStore, randomKey } from "./secrets-helpers.js";

/** Values sealed by the format 1 code path, with the key and data key that open them. */
const formatOne = JSON.parse(
  readFileSync(new URL("./fixtures/secrets-format-1.json", import.meta.url), "utf8"),
) as {
  masterKey: string;
  documentId: string;
  dataKey: WrappedDataKey;
  values: Record<string, { plaintext: JsonValue; sealed: { $sealed: string } }>;
};

class PathBlock extends defineBlock({
  type: "test-field-path-headers",
  title: "PathBlock",
  schema: z.object({
    label: z.string(),
    token: secret(),
    headers: z.record(z.string(), secret()).optional(),
    settings: secret({ json: true }).optional(),
    m: z.record(z.string(), z.record(z.string(), secret())).optional(),
  }),
}) {}

let environment: ReturnType<typeof isolateKeys>;
let store: BlockStore;

beforeEach(async () => {
  environment = isolateKeys();
  process.env.TESSERA_ENCRYPTION_KEY = randomKey();
  forgetSecretCipher();
  store = await openTestStore(environment.home);
});

afterEach(async () => {
  await store.close();
  forgetSecretCipher();
  environment.restore();
});

function versionOf(sealed: JsonValue | undefined): number {
  return Buffer.from((sealed as { $sealed: string }).$sealed, "base64")[0]!;
}

describe("the field path bound into each ciphertext", () => {
  it("opens values sealed in format 1 by earlier releases", async () => {
    const cipher = createSecretCipher([Buffer.from(formatOne.masterKey, "base64")]);
    for (const [fieldPath, { plaintext, sealed }] of Object.entries(formatOne.values)) {
      expect(versionOf(sealed)).toBe(1);
      const context = { documentId: formatOne.documentId, fieldPath, dataKey: formatOne.dataKey };
      expect(await cipher.open(context, sealed)).toEqual(plaintext);
    }
    // Given as segments (what the block layer passes), a key holding a dot opens too.
    expect(
      await cipher.open(
        {
          documentId: formatOne.documentId,
          fieldPath: "headers.x.y",
          fieldPathSegments: ["headers", "x.y"],
          dataKey: formatOne.dataKey,
        },
        formatOne.values["headers.x.y"]!.sealed,
      ),
    ).toBe("format-1-dotted-key-value");
  });

  it("loads, reveals and saves again a stored document whose secrets are in format 1", async () => {
    process.env.TESSERA_ENCRYPTION_KEY = formatOne.masterKey;
    forgetSecretCipher();
    const { values } = formatOne;
    await store.put({
      id: formatOne.documentId,
      type: PathBlock.type,
      name: "old",
      data: {
        label: "before",
        token: values.token!.sealed,
        headers: { "x.y": values["headers.x.y"]!.sealed },
        settings: values.settings!.sealed,
      },
      schemaChecksum: PathBlock.checksum,
      schemaVersion: PathBlock.version,
      references: [],
      dataKey: formatOne.dataKey,
    });
    const loaded = await PathBlock.load("old", { store });
    expect(await loaded.token.reveal()).toBe("format-1-token-value");
    expect(await loaded.headers!["x.y"]!.reveal()).toBe("format-1-dotted-key-value");
    expect(await loaded.settings!.reveal()).toEqual(values.settings!.plaintext);

    loaded.label = "after";
    await loaded.save("old", { store, overwrite: true });
    const again = await PathBlock.load("old", { store });
    expect(again.label).toBe("after");
    expect(await again.token.reveal()).toBe("format-1-token-value");
    expect(await again.headers!["x.y"]!.reveal()).toBe("format-1-dotted-key-value");
  });

  it("seals new values in format 2", async () => {
    await new PathBlock({ label: "new", token: "format-2-token" }).save("new", { store });
    const stored = await store.get({ type: PathBlock.type, name: "new" });
    expect(versionOf(stored!.data.token)).toBe(SEALED_VALUE_FORMAT_VERSION);
    expect(SEALED_VALUE_FORMAT_VERSION).toBe(2);
  });

  it('gives m["x.y"].z and m.x["y.z"] ciphertexts that do not open at each other\'s place', async () => {
    const cipher = createSecretCipher([Buffer.from(randomKey(), "base64")]);
    const dataKey = await cipher.createDataKey();
    const at = (segments: string[]): SealContext => ({
      documentId: "doc-1",
      fieldPath: segments.join("."),
      fieldPathSegments: segments,
      dataKey,
    });
    const first = at(["m", "x.y", "z"]);
    const second = at(["m", "x", "y.z"]);
    expect(first.fieldPath).toBe(second.fieldPath);
    const sealed = await cipher.seal(first, "for x.y then z");
    expect(await cipher.open(first, sealed)).toBe("for x.y then z");
    const error = await errorOf(cipher.open(second, sealed));
    expect(DecryptionFailedError.isInstance(error)).toBe(true);
    expect((error as DecryptionFailedError).reason).toBe("authentication-failed");
  });

  it('refuses to reveal a stored secret moved between m["x.y"].z and m.x["y.z"] of one document', async () => {
    await new PathBlock({
      label: "paths",
      token: "t-value",
      m: { "x.y": { z: "secret-of-x.y/z" }, x: { "y.z": "secret-of-x/y.z" } },
    }).save("paths", { store });
    const stored = (await store.get({ type: PathBlock.type, name: "paths" }))!;
    const m = stored.data.m as Record<string, Record<string, JsonValue>>;
    const swapped: JsonObject = {
      ...stored.data,
      m: { "x.y": { z: m.x!["y.z"]! }, x: { "y.z": m["x.y"]!.z! } },
    };
    await store.put({
      id: stored.id,
      type: stored.type,
      name: stored.name,
      data: swapped,
      schemaChecksum: stored.schemaChecksum,
      schemaVersion: stored.schemaVersion,
      references: stored.references,
      dataKey: stored.dataKey,
      overwrite: true,
    });
    const loaded = await PathBlock.load("paths", { store });
    for (const value of [loaded.m!["x.y"]!.z!, loaded.m!.x!["y.z"]!] as SecretValue<string>[]) {
      const error = await errorOf(value.reveal());
      expect(error.code).toBe("DECRYPTION_FAILED");
      expect(error.message).not.toContain("secret-of");
    }
  });
});
