/**
 * Secrets benchmark: loading a block with five secret fields and revealing them, beside the floor
 * in the same run — the same store read plus five bare AES-256-GCM decryptions (node:crypto) of
 * values of the same sizes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { BenchSuite } from "../../bench/harness.js";
import { defineBlock } from "../src/block/index.js";
import { secret } from "../src/schema/index.js";
import { getSecretCipher, type SealedSecret } from "../src/secrets/index.js";
import { openSqliteStore } from "../src/store/index.js";

const SIZES = [16, 32, 64, 256, 1024];

export default async function secretsBench(): Promise<BenchSuite> {
  const home = mkdtempSync(join(tmpdir(), "tessera-bench-secrets-"));
  const previous = { home: process.env.TESSERA_HOME, key: process.env.TESSERA_ENCRYPTION_KEY };
  process.env.TESSERA_HOME = home;
  process.env.TESSERA_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  const store = await openSqliteStore({ path: join(home, "tessera.db") });

  class FiveSecrets extends defineBlock({
    type: "bench-five-secrets",
    title: "Five secrets",
    schema: z.object({
      host: z.string(),
      first: secret(),
      second: secret(),
      third: secret(),
      fourth: secret(),
      fifth: secret(),
    }),
  }) {}
  const values = SIZES.map((size) => randomBytes(size).toString("base64").slice(0, size));
  await new FiveSecrets({
    host: "db.internal",
    first: values[0]!,
    second: values[1]!,
    third: values[2]!,
    fourth: values[3]!,
    fifth: values[4]!,
  }).save("bench", { store });

  // The floor's five ciphertexts: the same plaintext sizes (as JSON, as stored), under one key.
  const key = randomBytes(32);
  const sealed = values.map((value) => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from("bench"));
    const body = Buffer.concat([cipher.update(JSON.stringify(value)), cipher.final()]);
    return { nonce, body, tag: cipher.getAuthTag() };
  });
  const ref = { type: "bench-five-secrets", name: "bench" };
  const stored = (await store.get(ref))!;
  const cipher = await getSecretCipher(store);
  const fields = ["first", "second", "third", "fourth", "fifth"];
  const bareFloor = () => {
    for (const { nonce, body, tag } of sealed) {
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAAD(Buffer.from("bench"));
      decipher.setAuthTag(tag);
      JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8"));
    }
  };

  return {
    cases: [
      {
        kind: "time",
        name: "load a block with five secret fields and reveal them",
        target: 2,
        iterations: 400,
        warmup: 50,
        run: async () => {
          const block = await FiveSecrets.load("bench", { store });
          await Promise.all([
            block.first.reveal(),
            block.second.reveal(),
            block.third.reveal(),
            block.fourth.reveal(),
            block.fifth.reveal(),
          ]);
        },
        floor: async () => {
          const document = await store.get(ref);
          if (!document) throw new Error("bench document missing");
          bareFloor();
        },
      },
      {
        kind: "time",
        name: "open five sealed values through the secret cipher (no block layer)",
        target: 1.5,
        iterations: 400,
        warmup: 50,
        run: async () => {
          for (const fieldPath of fields) {
            await cipher.open(
              { documentId: stored.id, fieldPath, dataKey: stored.dataKey! },
              stored.data[fieldPath] as unknown as SealedSecret,
            );
          }
        },
        floor: bareFloor,
      },
    ],
    teardown: async () => {
      await store.close();
      if (previous.home === undefined) delete process.env.TESSERA_HOME;
      else process.env.TESSERA_HOME = previous.home;
      if (previous.key === undefined) delete process.env.TESSERA_ENCRYPTION_KEY;
      else process.env.TESSERA_ENCRYPTION_KEY = previous.key;
      rmSync(home, { recursive: true, force: true });
    },
  };
}
