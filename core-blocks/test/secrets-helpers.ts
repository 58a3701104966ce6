import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { TesseraError } from "../src/errors/index.js";
import type { JsonObject } from "../src/schema/index.js";
import {
  clearSecretReferenceCache,
  configureSecretReferences,
  masterKeyId,
  type SecretCipher,
} from "../src/secrets/index.js";
import type { BlockStore, StoredDocument } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/index.js";

/**
 * The `TesseraError` that `promise` rejects with; the test fails when the promise fulfils or
 * rejects with anything else.
 */
export async function errorOf(promise: Promise<unknown>): Promise<TesseraError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(TesseraError.isInstance(error)).toBe(true);
  return error as TesseraError;
}

/** A random base64 32-byte master key. */
export function randomKey(): string {
  return randomBytes(32).toString("base64");
}

/**
 * An isolated key environment: a temp TESSERA_HOME, TESSERA_ENCRYPTION_KEY unset (or set), and
 * the previous environment restored by `restore()`.
 */
export function isolateKeys(): { home: string; restore: () => void } {
  const previous = {
    home: process.env.TESSERA_HOME,
    key: process.env.TESSERA_ENCRYPTION_KEY,
  };
  const home = mkdtempSync(join(tmpdir(), "tessera-secrets-"));
  process.env.TESSERA_HOME = home;
  delete process.env.TESSERA_ENCRYPTION_KEY;
  return {
    home,
    restore: () => {
      if (previous.home === undefined) delete process.env.TESSERA_HOME;
      else process.env.TESSERA_HOME = previous.home;
      if (previous.key === undefined) delete process.env.TESSERA_ENCRYPTION_KEY;
      else process.env.TESSERA_ENCRYPTION_KEY = previous.key;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The id of a base64 master key, as key status and ciphers report it. */
export function keyIdOf(base64: string): string {
  return masterKeyId(Buffer.from(base64, "base64"));
}

/** What `useKeyedStore` hands each test: its isolated key environment and its open store. */
export interface KeyedStore {
  environment: ReturnType<typeof isolateKeys>;
  store: BlockStore;
}

/**
 * Registers hooks that give every test of the surrounding scope an isolated key environment and a
 * fresh store in its home (SQLite unless `open` says otherwise), with the secret reference cache
 * cleared; afterwards the store is closed, the reference settings restored and the environment
 * put back. `environmentKey` sets TESSERA_ENCRYPTION_KEY to a fresh random key. `opened` receives
 * each test's environment and store.
 */
export function useKeyedStore(
  options: {
    environmentKey?: boolean;
    open?: (home: string) => Promise<BlockStore>;
  },
  opened: (keyed: KeyedStore) => void,
): void {
  let keyed: KeyedStore;
  let settings: ReturnType<typeof configureSecretReferences>;
  beforeEach(async () => {
    const environment = isolateKeys();
    if (options.environmentKey) process.env.TESSERA_ENCRYPTION_KEY = randomKey();
    const store = await (options.open ?? openTestStore)(environment.home);
    settings = configureSecretReferences({});
    clearSecretReferenceCache();
    keyed = { environment, store };
    opened(keyed);
  });
  afterEach(async () => {
    configureSecretReferences(settings);
    await keyed.store.close();
    keyed.environment.restore();
  });
}

/** A SQLite store in `folder`. */
export function openTestStore(
  folder: string,
  file = "tessera.db",
): ReturnType<typeof openSqliteStore> {
  return openSqliteStore({ path: join(folder, file) });
}

/** Saves a raw document whose `token` and `password` fields are sealed with `cipher`. */
export async function putSealedDocument(
  store: BlockStore,
  cipher: SecretCipher,
  name: string,
  secrets: Record<string, string>,
): Promise<StoredDocument> {
  const id = randomUUID();
  const dataKey = await cipher.createDataKey();
  const data: JsonObject = { plain: `plain-${name}` };
  for (const [fieldPath, value] of Object.entries(secrets)) {
    data[fieldPath] = { ...(await cipher.seal({ documentId: id, fieldPath, dataKey }, value)) };
  }
  return store.put({
    id,
    type: "test-credentials",
    name,
    data,
    schemaChecksum: "sha256:test",
    schemaVersion: "1.0.0",
    references: [],
    dataKey,
  });
}

/** Opens every sealed field of a stored document. */
export async function openSealedDocument(
  cipher: SecretCipher,
  document: StoredDocument,
): Promise<Record<string, unknown>> {
  const opened: Record<string, unknown> = {};
  for (const [fieldPath, value] of Object.entries(document.data)) {
    if (typeof value === "object" && value !== null && "$sealed" in value) {
      opened[fieldPath] = await cipher.open(
        { documentId: document.id, fieldPath, dataKey: document.dataKey! },
        value as { $sealed: string },
      );
    }
  }
  return opened;
}
