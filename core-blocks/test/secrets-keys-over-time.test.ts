import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Secret } from "../src/secret-block/index.js";
import { getSecretCipher, keyFilePath, keyStatus, rotateKeys } from "../src/secrets/index.js";
import { readKeyFile } from "../src/secrets/master-key-ring.js";
import { type BlockStore, openSqliteStore } from "../src/store/index.js";
import { migrateSqliteStore } from "../src/store/sqlite/migrations.js";
import {
  errorOf,
  keyIdOf as idOf,
  type KeyedStore,
  openTestStore,
  putSealedDocument,
  randomKey,
  useKeyedStore,
} from "./secrets-helpers.js";

const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

let environment: KeyedStore["environment"];
let store: BlockStore;
useKeyedStore({}, (keyed) => {
  ({ environment, store } = keyed);
});

/** A second handle on the same database: stands for another process with its own key ring. */
function openOther(): Promise<BlockStore> {
  return openTestStore(environment.home);
}

describe("the key file is checked through the handle it is read from", () => {
  it("refuses a key file that is a symbolic link with KEY_FILE_UNSAFE, even to a private file", async () => {
    const real = join(environment.home, "elsewhere.key");
    writeFileSync(real, `${randomKey()}\n`, { mode: 0o600 });
    symlinkSync(real, keyFilePath());
    const error = await errorOf(getSecretCipher(store));
    expect(error.code).toBe("KEY_FILE_UNSAFE");
    expect(error.message).toContain("symbolic link");
    expect(error.message).not.toContain(readFileSync(real, "utf8").trim());
  });

  it("refuses a key file owned by another user with KEY_FILE_UNSAFE naming the owner", async () => {
    writeFileSync(keyFilePath(), `${randomKey()}\n`, { mode: 0o600 });
    chownSync(keyFilePath(), 4321, 4321);
    chmodSync(keyFilePath(), 0o600);
    const error = await errorOf(getSecretCipher(store));
    expect(error.code).toBe("KEY_FILE_UNSAFE");
    expect(error.message).toContain("owned by user id 4321");
  });
});

describe("master key ids recorded in the store", () => {
  it("reports the store's current key as missing before any document uses it", async () => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    process.env.TESSERA_ENCRYPTION_KEY = oldKey;
    await putSealedDocument(store, await getSecretCipher(store), "a", { token: "token-a" });
    // Another process puts a new key first: the store makes it current on its first use.
    process.env.TESSERA_ENCRYPTION_KEY = `${newKey},${oldKey}`;
    const other = await openOther();
    await getSecretCipher(other);
    await other.close();

    process.env.TESSERA_ENCRYPTION_KEY = oldKey;
    const status = await keyStatus({ store });
    expect(status.currentKeyId).toBe(idOf(newKey));
    expect(status.keys).toEqual([
      { id: idOf(oldKey), current: false, available: true, documents: 1 },
      { id: idOf(newKey), current: true, available: false, documents: 0 },
    ]);
  });

  it("keeps the ids of retired keys recorded and lists them as retired", async () => {
    await putSealedDocument(store, await getSecretCipher(store), "a", { token: "token-a" });
    const first = readKeyFile()!.keys[0]!.id;
    const result = await rotateKeys({ store, newKey: true, retireOldKeys: true });
    expect(result.retired).toEqual([first]);
    expect((await store.listMasterKeys()).map((record) => [record.id, record.current])).toEqual([
      [first, false],
      [result.masterKeyId, true],
    ]);
    expect((await keyStatus({ store })).retiredKeyIds).toEqual([first]);
  });

  it("records the key ids of a store written by an earlier version when it is upgraded", async () => {
    const path = join(environment.home, "old.db");
    const old = new Database(path);
    migrateSqliteStore(old, path, 2);
    old
      .prepare("INSERT INTO store_meta (key, value) VALUES (?, ?)")
      .run("secrets.master-key-ids", JSON.stringify(["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]));
    old
      .prepare(
        "INSERT INTO documents (id, type, name, created_at, data_key_master_id, data_key_wrapped) VALUES ('doc-1', 'secret', 'x', '2026-01-01T00:00:00.000Z', 'cccccccccccccccc', 'w')",
      )
      .run();
    old.close();
    const upgraded = await openSqliteStore({ path });
    try {
      const records = await upgraded.listMasterKeys();
      expect(records.map((record) => [record.id, record.current])).toEqual([
        ["aaaaaaaaaaaaaaaa", false],
        ["bbbbbbbbbbbbbbbb", false],
        ["cccccccccccccccc", false],
      ]);
    } finally {
      await upgraded.close();
    }
  });
});

describe("a process that started before a rotation", () => {
  it("reads the key file again to reveal a document re-wrapped and retired by another process", async () => {
    await new Secret({ value: "kept-value" }).save("kept", { store });
    expect(await (await Secret.load("kept", { store })).get()).toBe("kept-value");
    const loadedBefore = await Secret.load("kept", { store });

    const other = await openOther();
    await rotateKeys({ store: other, newKey: true, retireOldKeys: true });
    await other.close();

    // Both a fresh load and a block loaded before the rotation (holding the old wrapped key).
    expect(await (await Secret.load("kept", { store })).get()).toBe("kept-value");
    expect(await loadedBefore.get()).toBe("kept-value");
  });

  it("wraps the data keys of new documents only under the store's current key", async () => {
    await new Secret({ value: "first" }).save("first", { store });
    const other = await openOther();
    const rotated = await rotateKeys({ store: other, newKey: true });
    await other.close();

    await new Secret({ value: "second" }).save("second", { store });
    const saved = await store.get({ type: "secret", name: "second" });
    expect(saved?.dataKey?.masterKeyId).toBe(rotated.masterKeyId);
  });

  it("cannot store a data key it wrapped just before another process rotated: MASTER_KEY_NOT_CURRENT", async () => {
    const cipher = await getSecretCipher(store);
    const dataKey = await cipher.createDataKey();
    const other = await openOther();
    await rotateKeys({ store: other, newKey: true, retireOldKeys: true });
    await other.close();
    const error = await errorOf(
      store.put({
        id: "0f0e0d0c-0000-4000-8000-000000000001",
        type: "secret",
        name: "late",
        data: {},
        schemaChecksum: "sha256:test",
        schemaVersion: "1.0.0",
        references: [],
        dataKey,
      }),
    );
    expect(error.code).toBe("MASTER_KEY_NOT_CURRENT");
    expect(await store.get({ type: "secret", name: "late" })).toBe(undefined);
  });

  it("says the key source was read again, and where retired keys are kept, when a key is really gone", async () => {
    await new Secret({ value: "lost-value" }).save("lost", { store });
    const oldLine = readFileSync(keyFilePath(), "utf8").trim();
    // A new key put first by hand becomes current; then the old key is dropped by hand too early.
    const newLine = randomKey();
    writeFileSync(keyFilePath(), `${newLine}\n${oldLine}\n`, { mode: 0o600 });
    const adopter = await openOther();
    expect((await getSecretCipher(adopter)).currentMasterKeyId).toBe(idOf(newLine));
    await adopter.close();
    writeFileSync(keyFilePath(), `${newLine}\n`, { mode: 0o600 });

    const reader = await openOther();
    try {
      const error = await errorOf((await Secret.load("lost", { store: reader })).get());
      expect(error.code).toBe("DECRYPTION_FAILED");
      expect(error.message).toContain(idOf(oldLine));
      expect(error.message).toContain("was read again");
      expect(error.message).toContain("master.key.retired");
      expect(error.message).not.toContain(oldLine);
    } finally {
      await reader.close();
    }
  });
});

describe("retired keys", () => {
  it("keeps every retired key in master.key.retired, mode 0600, across several retirements", async () => {
    await new Secret({ value: "v" }).save("s", { store });
    const retired: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      retired.push(...(await rotateKeys({ store, newKey: true, retireOldKeys: true })).retired);
    }
    const backup = `${keyFilePath()}.retired`;
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(readKeyFile(backup)?.keys.map((key) => key.id)).toEqual(retired);
    expect(retired).toHaveLength(3);
  });

  it("breaks a lock left by a process that is gone, and rotates", async () => {
    await new Secret({ value: "v" }).save("s", { store });
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const { hostname } = await import("node:os");
    writeFileSync(
      `${keyFilePath()}.lock`,
      `${gone.stdout.toString()}\n${hostname()}\n${Date.now()}\nleft-behind\n`,
      { mode: 0o600 },
    );
    const result = await rotateKeys({ store, newKey: true });
    expect(readKeyFile()?.keys[0]?.id).toBe(result.masterKeyId);
    expect(() => statSync(`${keyFilePath()}.lock`)).toThrow();
  });
});
