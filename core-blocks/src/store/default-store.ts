import type { BlockStore } from "./block-store.js";
import { resolveStoreSelection } from "./store-selection.js";

let current: Promise<BlockStore> | undefined;

/**
 * The store that block methods use when no `store` option is given: the embedded SQLite file
 * `$TESSERA_HOME/tessera.db` (created with its folder on first use), opened once per process.
 * A backend's driver is imported only when that backend is selected.
 *
 * `TESSERA_DATABASE_URL=postgres://…` selects the PostgreSQL store (`pg` is loaded only then; the
 * schema is `TESSERA_DATABASE_SCHEMA`, default `tessera`). `TESSERA_API_URL` (a `tessera server`,
 * with the token in `TESSERA_API_KEY`) selects the HTTP store, which loads no database driver.
 * Both at once is `INVALID_INPUT`. Without either, a saved profile (`TESSERA_PROFILE`, or the one
 * `tessera profile use` chose) selects the store; the CLI's `--profile` flag beats them all.
 * `resolveStoreSelection` says which applies and why.
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
  const { selection, secrets } = resolveStoreSelection();
  if (selection.kind === "postgres") {
    const { openPostgresStore } = await import("./postgres/postgres-store.js");
    const url = secrets.databaseUrl!;
    return openPostgresStore(
      secrets.databaseSchema ? { url, schema: secrets.databaseSchema } : { url },
    );
  }
  if (selection.kind === "http") {
    const { openHttpStore } = await import("./http/http-store.js");
    const url = secrets.apiUrl!;
    return openHttpStore(secrets.apiKey ? { url, apiKey: secrets.apiKey } : { url });
  }
  const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
  return openSqliteStore({ path: secrets.path! });
}
