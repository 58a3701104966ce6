/**
 * Fixtures shared by this folder's tests; nothing else imports this file. The block classes stay in
 * each test file: every file registers its own type slugs so the files never clash in the registry.
 */
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, vi } from "vitest";
import { type BlockStore, createMemoryStore, type MemoryStoreOptions } from "../store/index.js";

/**
 * Before each test: a random master key in `TESSERA_ENCRYPTION_KEY` and a fresh memory store
 * (made with `options`), handed to `use`; after each test, the environment restored.
 */
export function useFreshMemoryStore(
  use: (store: BlockStore) => void,
  options: MemoryStoreOptions = {},
): void {
  beforeEach(() => {
    vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));
    use(createMemoryStore(options));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}

/** What `promise` rejects with; fails the test when it fulfils instead. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}
