import { join } from "node:path";
import { InvalidInputError } from "../errors/index.js";
import type { BlockStore } from "./block-store.js";
import { tesseraHome } from "./tessera-home.js";

let current: Promise<BlockStore> | undefined;

/**
 * The store that block methods use when no `store` option is given: the embedded SQLite file
 * `$TESSERA_HOME/tessera.db` (created with its folder on first use), opened once per process.
 * A backend's driver is imported only when that backend is selected.
 *
 * `TESSERA_DATABASE_URL=postgres://…` selects the PostgreSQL store (`pg` is loaded only then; the
 * schema is `TESSERA_DATABASE_SCHEMA`, default `tessera`). `TESSERA_API_URL` (a `tessera server`,
 * with the token in `TESSERA_API_KEY`) selects the HTTP store, which loads no database driver.
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
  const databaseUrl = process.env.TESSERA_DATABASE_URL;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
      throw new InvalidInputError({
        subject: "TESSERA_DATABASE_URL",
        message:
          "TESSERA_DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/database); its value is not shown. Unset it to use the embedded SQLite store.",
      });
    }
    const { openPostgresStore } = await import("./postgres/postgres-store.js");
    const schema = process.env.TESSERA_DATABASE_SCHEMA;
    return openPostgresStore(schema ? { url: databaseUrl, schema } : { url: databaseUrl });
  }
  const apiUrl = process.env.TESSERA_API_URL;
  if (apiUrl) {
    const { openHttpStore } = await import("./http/http-store.js");
    const apiKey = process.env.TESSERA_API_KEY;
    return openHttpStore(apiKey ? { url: apiUrl, apiKey } : { url: apiUrl });
  }
  const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
  return openSqliteStore({ path: join(tesseraHome(), "tessera.db") });
}
