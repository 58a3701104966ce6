// A throwaway PostgreSQL cluster for tests and benchmarks: the machine's PostgreSQL server
// binaries (Debian's `postgresql` package), a data folder in a temporary directory, trust auth on a
// free loopback port, fsync off. Stopped and removed by `stop()` (and, should the test process end
// without it, by an exit hook).
//
// Cost: `initdb` runs once per machine and PostgreSQL version (10 s or more on a busy 2-core
// machine) into a template folder under the system temp directory; every cluster after that copies
// the template and starts in about 1.5 s, and stops in about 0.5 s. One cluster per test file
// (`usePostgresCluster`), with a schema or database per test, keeps a file's overhead to that.
//
// Lives in core's test folder, not in @tessera/test-servers, because test-servers depends on
// @tessera/core: core's tests importing it would make a workspace cycle.
import { type ExecFileOptions, execFile, execFileSync } from "node:child_process";
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly url: string;
  readonly port: number;
  /** The URL of another database on the same cluster. */
  urlOf(database: string): string;
  /** Creates a database (named randomly when no name is given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL through `psql` as the superuser (`-v ON_ERROR_STOP=1`); returns its output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server (`immediate`: like a crash; `fast`: a clean shutdown) and starts it again. */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops the server without removing it. */
  pause(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts a server `pause` stopped. */
  resume(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's server binaries, or an error that says what to install. */
function postgresBinaries(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(join(root, entry, "bin", "initdb")))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (newest !== undefined) return join(root, newest, "bin");
  try {
    const bindir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (existsSync(join(bindir, "initdb"))) return bindir;
  } catch {
    // No pg_config either.
  }
  throw new Error(
    "The PostgreSQL tests need the PostgreSQL server binaries (initdb, pg_ctl). Install them: apt-get install -y postgresql",
  );
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when this process is root (initdb refuses root). */
function runPostgres(binary: string, args: string[], options: ExecFileOptions = {}) {
  return isRoot
    ? run("runuser", ["-u", "postgres", "--", binary, ...args], options)
    : run(binary, args, options);
}

function chownToPostgres(path: string): void {
  if (!isRoot) return;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(path, uid, gid);
}

/**
 * The initdb'd template folder for these binaries, made once per machine. Made in a temporary
 * folder and renamed into place, so processes that start at once never see half a template.
 */
async function template(bin: string): Promise<string> {
  const version = bin.split("/").at(-2) ?? "pg";
  const uid = process.getuid?.() ?? 0;
  const path = join(tmpdir(), `tessera-postgres-template-${version}-${uid}`);
  if (existsSync(join(path, "data", "PG_VERSION"))) return path;
  const building = mkdtempSync(join(tmpdir(), "tessera-postgres-initdb-"));
  chownToPostgres(building);
  await runPostgres(join(bin, "initdb"), [
    "-D",
    join(building, "data"),
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  try {
    renameSync(building, path);
  } catch {
    // Another process made it first.
    rmSync(building, { recursive: true, force: true });
  }
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Clusters still running, stopped by the exit hook if their test process ends first. */
const running = new Set<{ bin: string; data: string; folder: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const cluster of running) {
      try {
        const args = [join(cluster.bin, "pg_ctl"), "-D", cluster.data, "-m", "immediate", "stop"];
        if (isRoot) execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "ignore" });
        else execFileSync(args[0]!, args.slice(1), { stdio: "ignore" });
      } catch {
        // Already stopped.
      }
      rmSync(cluster.folder, { recursive: true, force: true });
    }
  });
}

/** Starts a throwaway cluster on a free loopback port. */
export async function startPostgresCluster(
  options: {
    /** Extra server settings (`-c name=value`). @default {} */
    settings?: Record<string, string | number>;
  } = {},
): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  const source = await template(bin);
  const folder = mkdtempSync(join(tmpdir(), "tessera-postgres-"));
  chownToPostgres(folder);
  const data = join(folder, "data");
  cpSync(join(source, "data"), data, { recursive: true, preserveTimestamps: true });
  if (isRoot) execFileSync("chown", ["-R", "postgres:", data]);
  mkdirSync(join(folder, "socket"), { recursive: true });
  chownToPostgres(join(folder, "socket"));
  const handle = { bin, data, folder };
  running.add(handle);
  installExitHook();

  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: 200,
    unix_socket_directories: join(folder, "socket"),
    ...options.settings,
  };
  let port = 0;
  const start = async () => {
    const flags = [`-p ${port}`];
    for (const [name, value] of Object.entries(settings)) flags.push(`-c ${name}=${value}`);
    await runPostgres(join(bin, "pg_ctl"), [
      "-D",
      data,
      "-l",
      join(folder, "log"),
      "-w",
      "-t",
      "60",
      "-o",
      flags.join(" "),
      "start",
    ]);
  };
  const stopServer = async (mode: "fast" | "immediate") => {
    await runPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", mode, "-w", "stop"]);
  };
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      // Another process took the port between our check and the server's bind: try another.
      if (attempt >= 4) {
        let log = "";
        try {
          log = readFileSync(join(folder, "log"), "utf8");
        } catch {}
        running.delete(handle);
        rmSync(folder, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${String(error)}\n${log}`);
      }
    }
  }

  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const psql = async (sql: string, database = "postgres") => {
    const { stdout } = await runPostgres(join(bin, "psql"), [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      database,
      "-v",
      "ON_ERROR_STOP=1",
      "-At",
      "-c",
      sql,
    ]);
    return String(stdout).trim();
  };
  return {
    url: urlOf("postgres"),
    port,
    urlOf,
    psql,
    async createDatabase(name = `db_${Math.random().toString(36).slice(2, 10)}`) {
      await psql(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return urlOf(name);
    },
    async restart(mode = "fast") {
      await stopServer(mode);
      await start();
    },
    pause: (mode = "fast") => stopServer(mode),
    resume: start,
    async stop() {
      if (!running.has(handle)) return;
      running.delete(handle);
      try {
        await stopServer("immediate");
      } catch {
        // Already stopped (a test paused it).
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * One cluster for the test file: started in `beforeAll`, stopped in `afterAll`. Returns a getter
 * for use inside tests and hooks.
 */
export function usePostgresCluster(
  hooks: {
    beforeAll: (body: () => Promise<void>, timeout?: number) => void;
    afterAll: (body: () => Promise<void>, timeout?: number) => void;
  },
  options: Parameters<typeof startPostgresCluster>[0] = {},
): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  hooks.beforeAll(async () => {
    cluster = await startPostgresCluster(options);
  }, 120_000);
  hooks.afterAll(async () => {
    await cluster?.stop();
  }, 30_000);
  return () => {
    if (cluster === undefined) throw new Error("The PostgreSQL cluster starts in beforeAll.");
    return cluster;
  };
}
