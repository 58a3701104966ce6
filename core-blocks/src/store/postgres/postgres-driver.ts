// The one place that loads `pg`, an optional peer dependency: only when a PostgreSQL store is
// opened, so a process on another backend never resolves it.
import { DriverNotInstalledError } from "../../errors/index.js";

/** The part of a `pg` query result the store reads. */
interface SqlResult<Row> {
  rows: Row[];
  rowCount: number | null;
}

/** A connection (or the pool) as the store uses it. */
export interface SqlClient {
  query<Row = Record<string, unknown>>(
    text: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<SqlResult<Row>>;
}

/** A connection checked out of the pool. */
export interface PooledClient extends SqlClient {
  release(destroy?: boolean | Error): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(
    event: "notification",
    listener: (message: { channel: string; payload?: string }) => void,
  ): unknown;
  removeAllListeners(event?: string): unknown;
}

/** The pool, as the store uses it. */
export interface SqlPool extends SqlClient {
  connect(): Promise<PooledClient>;
  end(): Promise<void>;
  on(event: "error" | "connect", listener: (value: never) => void): unknown;
}

/** Settings given to `pg.Pool`. */
export interface PoolSettings {
  connectionString: string;
  max: number;
  statement_timeout: number;
  connectionTimeoutMillis: number;
  idleTimeoutMillis: number;
  application_name: string;
}

/** The `pg` version range this store is tested with (also the peer dependency's range). */
const pgRange = "^8.23.1";

/** Loads `pg` and makes a pool; a missing `pg` is `DRIVER_NOT_INSTALLED`. */
export async function createPool(settings: PoolSettings): Promise<SqlPool> {
  let pg: { Pool: new (settings: PoolSettings) => SqlPool };
  try {
    const loaded = (await import("pg")) as unknown as {
      default?: typeof pg;
      Pool?: typeof pg.Pool;
    };
    pg = loaded.default ?? (loaded as typeof pg);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new DriverNotInstalledError({
        packageName: "pg",
        packageRange: pgRange,
        backend: "PostgreSQL",
        cause: error,
      });
    }
    throw error;
  }
  return new pg.Pool(settings);
}
