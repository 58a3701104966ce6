import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getSecretCipher, keyFilePath, keyStatus, rotateKeys } from "../src/secrets/index.js";
import { createKeyFile, readKeyFile } from "../src/secrets/master-key-ring.js";
import type { BlockStore } from "../src/store/index.js";
import {
  errorOf,
  keyIdOf as idOf,
  type KeyedStore,
  openSealedDocument,
  openTestStore,
  putSealedDocument,
  randomKey,
  useKeyedStore,
} from "./secrets-helpers.js";

let environment: KeyedStore["environment"];
let store: BlockStore;
useKeyedStore({}, (keyed) => {
  ({ environment, store } = keyed);
});

describe("master keys", () => {
  it("creates the key file under TESSERA_HOME with mode 0600 on first use and reuses it", async () => {
    const path = join(environment.home, "master.key");
    expect(keyFilePath()).toBe(path);
    const cipher = await getSecretCipher(store);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(Buffer.from(lines[0]!, "base64")).toHaveLength(32);
    expect(cipher.currentMasterKeyId).toBe(idOf(lines[0]!));
    const reopened = await openTestStore(environment.home);
    expect((await getSecretCipher(reopened)).currentMasterKeyId).toBe(cipher.currentMasterKeyId);
    await reopened.close();
  });

  it("never replaces a key file another process created first", () => {
    const first = createKeyFile();
    const second = createKeyFile();
    expect(second.keys[0]!.id).toBe(first.keys[0]!.id);
    expect(readdirTemporaries(environment.home)).toEqual([]);
  });

  it("gives every process the same key when several create the key file at once", async () => {
    const child = fileURLToPath(new URL("./fixtures/secrets-key-file-child.ts", import.meta.url));
    const start = Date.now() + 2500;
    const ids = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve, reject) => {
            execFile(
              process.execPath,
              ["--import", "tsx", child, String(start)],
              { env: { ...process.env } },
              (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
            );
          }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(readKeyFile()?.keys[0]?.id).toBe(ids[0]);
    expect(readdirTemporaries(environment.home)).toEqual([]);
  }, 60_000);

  it("refuses a key file other users can read with KEY_FILE_PERMISSIONS and the chmod that fixes it", async () => {
    await getSecretCipher(store);
    const path = keyFilePath();
    chmodSync(path, 0o644);
    const fresh = await openTestStore(environment.home, "other.db");
    const error = await errorOf(getSecretCipher(fresh));
    expect(error.code).toBe("KEY_FILE_PERMISSIONS");
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.message).toContain("644");
    chmodSync(path, 0o600);
    await expect(getSecretCipher(fresh)).resolves.toBeDefined();
    await fresh.close();
  });

  it("takes keys from TESSERA_ENCRYPTION_KEY, newest first, and writes no key file", async () => {
    const newest = randomKey();
    const older = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = ` ${newest} , ${older}`;
    const cipher = await getSecretCipher(store);
    expect(cipher.currentMasterKeyId).toBe(idOf(newest));
    expect(existsSync(keyFilePath())).toBe(false);
  });

  it.each([
    ["a key of the wrong length", Buffer.alloc(16, 7).toString("base64"), "16 bytes"],
    ["text that is not base64", "this is not a key!", "not base64"],
    ["an empty entry between commas", `${randomKey()},,${randomKey()}`, "empty"],
  ])("refuses %s with INVALID_KEY and never prints the key", async (_what, value, reason) => {
    process.env.TESSERA_ENCRYPTION_KEY = value;
    const error = await errorOf(getSecretCipher(store));
    expect(error.code).toBe("INVALID_KEY");
    expect(error.message).toContain("TESSERA_ENCRYPTION_KEY");
    expect(error.message).toContain(reason);
    for (const part of value.split(",")) {
      if (part.length > 4) expect(error.message).not.toContain(part);
    }
  });

  it("refuses a key file holding a key of the wrong length with INVALID_KEY naming the file", async () => {
    const path = keyFilePath();
    writeFileSync(path, `${Buffer.alloc(31).toString("base64")}\n`, { mode: 0o600 });
    const error = await errorOf(getSecretCipher(store));
    expect(error.code).toBe("INVALID_KEY");
    expect(error.message).toContain(path);
  });

  it("fails closed when the key file is lost: DECRYPTION_FAILED naming the key id, and no new key", async () => {
    const cipher = await getSecretCipher(store);
    await putSealedDocument(store, cipher, "db", { token: "canary-token-value" });
    const lostId = cipher.currentMasterKeyId;
    rmSync(keyFilePath());
    const reopened = await openTestStore(environment.home);
    const error = await errorOf(getSecretCipher(reopened));
    expect(error.code).toBe("DECRYPTION_FAILED");
    expect(error.message).toContain(lostId);
    expect(error.message).toContain("TESSERA_ENCRYPTION_KEY");
    expect(error.message).toContain(keyFilePath());
    expect(existsSync(keyFilePath())).toBe(false);
    await reopened.close();
  });

  it("refuses a wrong key for a store that holds secrets, naming the key id the store needs", async () => {
    const original = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = original;
    const cipher = await getSecretCipher(store);
    await putSealedDocument(store, cipher, "db", { token: "canary-token-value" });
    process.env.TESSERA_ENCRYPTION_KEY = randomKey();
    const error = await errorOf(getSecretCipher(store));
    expect(error.code).toBe("DECRYPTION_FAILED");
    expect(error.message).toContain(idOf(original));
    expect((error as unknown as { keyId: string }).keyId).toBe(idOf(original));
  });

  it("refuses to reveal a document whose master key left the ring, naming the key id", async () => {
    const first = randomKey();
    const second = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = first;
    const before = await putSealedDocument(store, await getSecretCipher(store), "old", {
      token: "canary-token-value",
    });
    process.env.TESSERA_ENCRYPTION_KEY = `${second},${first}`;
    await putSealedDocument(store, await getSecretCipher(store), "new", { token: "other-value" });
    process.env.TESSERA_ENCRYPTION_KEY = second;
    const cipher = await getSecretCipher(store);
    const error = await errorOf(openSealedDocument(cipher, before));
    expect(error.code).toBe("DECRYPTION_FAILED");
    expect(error.message).toContain(idOf(first));
  });
});

describe("keyStatus", () => {
  it("reports the key ids, their source, the current key and how many documents each wraps", async () => {
    const first = randomKey();
    const second = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = first;
    for (const name of ["a", "b", "c"]) {
      await putSealedDocument(store, await getSecretCipher(store), name, { token: `t-${name}-x` });
    }
    process.env.TESSERA_ENCRYPTION_KEY = `${second},${first}`;
    await putSealedDocument(store, await getSecretCipher(store), "d", { token: "t-d-xxx" });
    const status = await keyStatus({ store });
    expect(status.source).toEqual({ kind: "environment", variable: "TESSERA_ENCRYPTION_KEY" });
    expect(status.currentKeyId).toBe(idOf(second));
    expect(status.keys).toEqual([
      { id: idOf(second), current: true, available: true, documents: 1 },
      { id: idOf(first), current: false, available: true, documents: 3 },
    ]);
    expect(status.documentsToRotate).toBe(3);
    process.env.TESSERA_ENCRYPTION_KEY = second;
    const partial = await keyStatus({ store });
    expect(partial.keys[1]).toEqual({
      id: idOf(first),
      current: false,
      available: false,
      documents: 3,
    });
  });

  it("reports no key and creates no key file before the first secret is saved", async () => {
    const status = await keyStatus({ store });
    expect(status.source).toBeUndefined();
    expect(status.keys).toEqual([]);
    expect(existsSync(keyFilePath())).toBe(false);
  });
});

describe("rotateKeys", () => {
  it("re-wraps every data key under the newest key; documents then open with the new key alone", async () => {
    const first = randomKey();
    const second = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = first;
    const names = Array.from({ length: 23 }, (_, index) => `doc-${index}`);
    for (const name of names) {
      await putSealedDocument(store, await getSecretCipher(store), name, {
        token: `token-${name}`,
        password: `password-${name}`,
      });
    }
    process.env.TESSERA_ENCRYPTION_KEY = `${second},${first}`;
    const progress: number[] = [];
    const result = await rotateKeys({
      store,
      pageSize: 5,
      onProgress: (step) => progress.push(step.rewrapped),
    });
    expect(result).toMatchObject({ masterKeyId: idOf(second), rewrapped: 23, skipped: 0 });
    expect(result.unavailable).toEqual([]);
    expect(progress.at(-1)).toBe(23);
    expect(await rotateKeys({ store })).toMatchObject({ rewrapped: 0 });
    process.env.TESSERA_ENCRYPTION_KEY = second;
    const cipher = await getSecretCipher(store);
    for (const name of names) {
      const document = await store.get({ type: "test-credentials", name });
      expect(await openSealedDocument(cipher, document!)).toEqual({
        token: `token-${name}`,
        password: `password-${name}`,
      });
    }
  });

  it("adds a new key to the key file, rotates to it and retires the old one on request", async () => {
    const cipher = await getSecretCipher(store);
    const document = await putSealedDocument(store, cipher, "db", { token: "token-value" });
    const oldId = cipher.currentMasterKeyId;
    const result = await rotateKeys({ store, newKey: true, retireOldKeys: true });
    expect(result.masterKeyId).not.toBe(oldId);
    expect(result.rewrapped).toBe(1);
    expect(result.retired).toEqual([oldId]);
    const ring = readKeyFile();
    expect(ring?.keys.map((key) => key.id)).toEqual([result.masterKeyId]);
    expect(statSync(keyFilePath()).mode & 0o777).toBe(0o600);
    const fresh = await getSecretCipher(store);
    const stored = await store.get({ id: document.id });
    expect(await openSealedDocument(fresh, stored!)).toEqual({ token: "token-value" });
  });

  it("keeps old keys in the key file when documents still need them", async () => {
    await getSecretCipher(store);
    const result = await rotateKeys({ store, newKey: true });
    expect(readKeyFile()?.keys).toHaveLength(2);
    expect(result.retired).toEqual([]);
  });

  it("refuses to add a key while keys come from TESSERA_ENCRYPTION_KEY (KEY_SOURCE_READ_ONLY)", async () => {
    process.env.TESSERA_ENCRYPTION_KEY = randomKey();
    const error = await errorOf(rotateKeys({ store, newKey: true }));
    expect(error.code).toBe("KEY_SOURCE_READ_ONLY");
    expect(error.message).toContain("TESSERA_ENCRYPTION_KEY");
  });

  it("reports documents whose master key is unavailable instead of failing the rotation", async () => {
    const lost = randomKey();
    const kept = randomKey();
    const newest = randomKey();
    process.env.TESSERA_ENCRYPTION_KEY = lost;
    const orphan = await putSealedDocument(store, await getSecretCipher(store), "orphan", {
      token: "token-value",
    });
    process.env.TESSERA_ENCRYPTION_KEY = `${kept},${lost}`;
    await putSealedDocument(store, await getSecretCipher(store), "kept", { token: "token-value" });
    process.env.TESSERA_ENCRYPTION_KEY = `${newest},${kept}`;
    const result = await rotateKeys({ store });
    expect(result.rewrapped).toBe(1);
    expect(result.unavailable).toEqual([{ documentId: orphan.id, masterKeyId: idOf(lost) }]);
  });
});

function readdirTemporaries(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.endsWith(".tmp"));
}
