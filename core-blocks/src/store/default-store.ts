import { join } from "node:path";
import type { BlockStore } from "./block-store.js";
import { tesseraHome } from "./tessera-home.js";

let current: Promise<BlockStore> | undefined;

/**
 * The store that block methods use when no `store` option is given. Chosen from the environment
 * on first use: `TESSERA_DATABASE_URL` (PostgreSQL), `TESSERA_API_URL` (a `tessera server`), else
 * the embedded SQLite file `$TESSERA_HOME/tessera.db`. A backend's driver is imported only when
 * that backend is selected.
 */
export function getDefaultStore(): Promise<BlockStore> {
  current ??= openStoreFromEnvironment().catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** Replaces the default store (tests, embedding applications). `undefined` resets it. */
export function setDefaultStore(store: BlockStore | undefined): void {
  current = store === undefined ? undefined : Promise.resolve(store);
}

async function openStoreFromEnvironment(): Promise<BlockStore> {
  const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
  return openSqliteStore({ path: join(tesseraHome(), "tessera.db") });
}
