import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BlockStore } from "../store/block-store.js";
import { tesseraHome } from "../store/tessera-home.js";
import { createSecretCipher } from "./aes-gcm-cipher.js";
import type { SecretCipher } from "./secret-cipher.js";

const ciphers = new WeakMap<BlockStore, Promise<SecretCipher>>();

/**
 * The cipher that seals and opens the secrets of documents in `store`: master keys from
 * `TESSERA_ENCRYPTION_KEY` (base64 32-byte keys, comma-separated, newest first), else the key
 * file `$TESSERA_HOME/master.key`, created with mode 0600 on first use.
 */
export function getSecretCipher(store: BlockStore): Promise<SecretCipher> {
  let cipher = ciphers.get(store);
  if (!cipher) {
    cipher = Promise.resolve(createSecretCipher(loadMasterKeys()));
    ciphers.set(store, cipher);
  }
  return cipher;
}

function loadMasterKeys(): Buffer[] {
  const fromEnvironment = process.env.TESSERA_ENCRYPTION_KEY;
  if (fromEnvironment) {
    return fromEnvironment.split(",").map((text) => Buffer.from(text.trim(), "base64"));
  }
  const home = tesseraHome();
  const file = join(home, "master.key");
  try {
    return [Buffer.from(readFileSync(file, "utf8").trim(), "base64")];
  } catch {
    mkdirSync(home, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return [key];
  }
}
