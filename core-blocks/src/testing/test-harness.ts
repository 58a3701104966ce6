import { randomBytes } from "node:crypto";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlockStore, openSqliteStore, setDefaultStore } from "../store/index.js";

/** Environment variables the harness sets or clears while it is active. */
const isolatedVariables = [
  "TESSERA_HOME",
  "TESSERA_ENCRYPTION_KEY",
  "TESSERA_DATABASE_URL",
  "TESSERA_API_URL",
  "TESSERA_API_KEY",
  "TESSERA_RESULT_STORAGE",
] as const;

/** Settings of `createTestHarness` and `useTestHarness`. */
export interface TestHarnessOptions {
  /**
   * The store to make the default instead of a fresh SQLite file in the temporary home (for
   * example a memory store). The harness closes it on cleanup.
   * @default a new SQLite store at `<home>/tessera.db`
   */
  store?: BlockStore;
  /**
   * Leave the temporary home on disk after cleanup, to inspect what a failing test wrote.
   * @default false
   */
  keepHome?: boolean;
}

/** An isolated Tessera environment for one test (see `createTestHarness`). */
export interface TestHarness {
  /** The temporary `TESSERA_HOME`: a fresh folder under the OS temp folder. */
  readonly home: string;
  /** The store every block call without a `store` option uses while the harness is active. */
  readonly store: BlockStore;
  /** The random master key in `TESSERA_ENCRYPTION_KEY` (base64, 32 bytes). */
  readonly encryptionKey: string;
  /**
   * Closes the store, resets the default store, restores every environment variable the harness
   * changed and deletes the temporary home. Safe to call twice.
   */
  cleanup(): Promise<void>;
}

/**
 * Gives a test its own Tessera: a temporary `TESSERA_HOME`, a fresh default store in it, a random
 * `TESSERA_ENCRYPTION_KEY`, and no `TESSERA_DATABASE_URL` / `TESSERA_API_URL`, so nothing reads
 * or writes `~/.tessera` or a shared database. `await harness.cleanup()` puts everything back.
 *
 * ```ts
 * const harness = await createTestHarness();
 * try {
 *   await new Bucket({ name: "test" }).save("results"); // lands in harness.store
 * } finally {
 *   await harness.cleanup();
 * }
 * ```
 *
 * Environment variables are process-wide: run tests that use a harness one at a time within a
 * process (the default of vitest, jest and node:test for tests in one file).
 */
export async function createTestHarness(options: TestHarnessOptions = {}): Promise<TestHarness> {
  const home = await realpath(await mkdtemp(join(tmpdir(), "tessera-test-")));
  const previous = new Map<string, string | undefined>(
    isolatedVariables.map((name) => [name, process.env[name]]),
  );
  const encryptionKey = randomBytes(32).toString("base64");
  let store: BlockStore;
  try {
    store = options.store ?? (await openSqliteStore({ path: join(home, "tessera.db") }));
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  for (const name of isolatedVariables) delete process.env[name];
  process.env.TESSERA_HOME = home;
  process.env.TESSERA_ENCRYPTION_KEY = encryptionKey;
  setDefaultStore(store);

  let cleaned = false;
  return {
    home,
    store,
    encryptionKey,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      setDefaultStore(undefined);
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      try {
        await store.close();
      } finally {
        if (!options.keepHome) await rm(home, { recursive: true, force: true });
      }
    },
  };
}

/** The hook functions `useTestHarness` registers with (vitest, jest and node:test all have them). */
export interface TestHarnessHooks {
  beforeEach(body: () => Promise<void>): unknown;
  afterEach(body: () => Promise<void>): unknown;
}

/**
 * Registers a fresh `createTestHarness()` before each test and its cleanup after it, and returns
 * a view of the current test's harness.
 *
 * ```ts
 * import { afterEach, beforeEach } from "vitest"; // or node:test, or jest's globals
 * const harness = useTestHarness({ beforeEach, afterEach });
 * it("saves", async () => { ...; expect(await harness.store.list()) ... });
 * ```
 */
export function useTestHarness(
  hooks: TestHarnessHooks,
  options: TestHarnessOptions | (() => TestHarnessOptions) = {},
): Omit<TestHarness, "cleanup"> {
  let current: TestHarness | undefined;
  hooks.beforeEach(async () => {
    current = await createTestHarness(typeof options === "function" ? options() : options);
  });
  hooks.afterEach(async () => {
    const harness = current;
    current = undefined;
    await harness?.cleanup();
  });
  const active = (): TestHarness => {
    if (!current) {
      throw new Error(
        "The test harness is only active inside a test: read it in a test body or hook, not while the file is being collected.",
      );
    }
    return current;
  };
  return {
    get home() {
      return active().home;
    },
    get store() {
      return active().store;
    },
    get encryptionKey() {
      return active().encryptionKey;
    },
  };
}
