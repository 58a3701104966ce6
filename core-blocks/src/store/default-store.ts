import { join } from "node:path";
import { StoreNotSupportedError } from "../errors/index.js";
import type { BlockStore } from "./block-store.js";
import { tesseraHome } from "./tessera-home.js";

let current: Promise<BlockStore> | undefined;

/**
 * The store that block methods use when no `store` option is given: the embedded SQLite file
 * `$TESSERA_HOME/tessera.db` (created with its folder on first use), opened once per process.
 * A backend's driver is imported only when that backend is selected.
 *
 * `TESSERA_DATABASE_URL` (PostgreSQL) and `TESSERA_API_URL` (a `tessera server`) select backends
 * that a later release adds; this version refuses them with `STORE_NOT_SUPPORTED` rather than
 * silently writing to a local file that other machines never see.
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
  if (process.env.TESSERA_DATABASE_URL) {
    throw new StoreNotSupportedError({ variable: "TESSERA_DATABASE_URL", backend: "PostgreSQL" });
  }
  if (process.env.TESSERA_API_URL) {
    throw new StoreNotSupportedError({
      variable: "TESSERA_API_URL",
      backend: "HTTP (tessera server)",
    });
  }
  const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
  return openSqliteStore({ path: join(tesseraHome(), "tessera.db") });
}
