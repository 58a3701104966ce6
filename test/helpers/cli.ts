/**
 * Runs the built `tessera` command line as a separate process, the way a user runs it: a temp
 * `TESSERA_HOME`, a fresh `TESSERA_ENCRYPTION_KEY`, no colours. `ensureCliBuilt()` builds
 * `@tessera/core` first when `dist/` is missing or older than its sources.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The repository root. */
export const repositoryRoot = resolve(import.meta.dirname, "../..");
/** The built CLI entry. */
export const cliPath = join(repositoryRoot, "core-blocks/dist/cli/bin.js");
/** Links the workspace's `@tessera/core` as `node_modules/@tessera/core` of `folder`. */
export async function linkWorkspaceCore(folder: string): Promise<void> {
  await mkdir(join(folder, "node_modules", "@tessera"), { recursive: true });
  await symlink(
    join(repositoryRoot, "core-blocks"),
    join(folder, "node_modules", "@tessera", "core"),
    "dir",
  );
}

/** The built `@tessera/core` entry as a file URL, for modules a test writes to import core from. */
export const coreModuleUrl = pathToFileURL(join(repositoryRoot, "core-blocks/dist/index.js")).href;

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds `@tessera/core` when its `dist/` is missing or older than `src/`. Test files run in
 * parallel, so the build is guarded by a lock directory; a failed rebuild over an existing `dist/`
 * keeps the old one.
 */
function ensureCliBuilt(): void {
  const source = newestSource(join(repositoryRoot, "core-blocks/src"));
  const isFresh = () => existsSync(cliPath) && statSync(cliPath).mtimeMs >= source;
  if (isFresh()) return;
  const lock = join(tmpdir(), "tessera-cli-build.lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (isFresh()) return;
    }
  }
  try {
    if (isFresh()) return;
    execFileSync("pnpm", ["-C", "core-blocks", "run", "build"], {
      cwd: repositoryRoot,
      stdio: "pipe",
    });
  } catch (error) {
    if (!existsSync(cliPath)) throw error;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What one run of the CLI gave. */
export interface CliResult {
  /** Exit status (null when killed by a signal). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Options of `CliHome.run`. */
interface RunOptions {
  /** Text written to standard input (then closed). @default "" */
  input?: string;
  /** Extra environment variables (merged over the home's). */
  env?: Record<string, string | undefined>;
  /** Working directory. @default the repository root (for `CliHome.run`: the home) */
  cwd?: string;
}

/** A temp Tessera home with its own key, and a way to run the CLI against it. */
export interface CliHome {
  /** The `TESSERA_HOME` folder. */
  home: string;
  /** The base64 master key in `TESSERA_ENCRYPTION_KEY`. */
  key: string;
  /** The environment every run gets. */
  env: Record<string, string>;
  /** Runs `tessera <args>` and waits for it to exit. */
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Runs and expects exit status 0; returns standard output. */
  ok(args: readonly string[], options?: RunOptions): Promise<string>;
  /** Removes the home. */
  remove(): Promise<void>;
}

/** The environment of a child process: the parent's without Tessera, colour or debug settings. */
function baseEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (key.startsWith("TESSERA_") || key === "FORCE_COLOR" || key === "NODE_OPTIONS") continue;
    environment[key] = value;
  }
  environment.NO_COLOR = "1";
  return environment;
}

/** Runs a command and collects its output. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string | undefined>; input?: string; cwd?: string },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repositoryRoot,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolvePromise({ status, stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Creates a temp home with a fresh master key; the CLI runs in it unless told otherwise. Call
 * `remove()` when done.
 */
export async function createCliHome(): Promise<CliHome> {
  ensureCliBuilt();
  const home = await mkdtemp(join(tmpdir(), "tessera-cli-"));
  const key = randomBytes(32).toString("base64");
  const env = { ...baseEnvironment(), TESSERA_HOME: home, TESSERA_ENCRYPTION_KEY: key };
  const cliHome: CliHome = {
    home,
    key,
    env,
    run(args, options = {}) {
      return runProcess(process.execPath, [cliPath, ...args], {
        env: { ...env, ...options.env },
        input: options.input,
        cwd: options.cwd ?? home,
      });
    },
    async ok(args, options) {
      const result = await cliHome.run(args, options);
      if (result.status !== 0) {
        throw new Error(
          `tessera ${args.join(" ")} exited with ${result.status}:\n${result.stderr}${result.stdout}`,
        );
      }
      return result.stdout;
    },
    remove: () => rm(home, { recursive: true, force: true }),
  };
  return cliHome;
}

/**
 * Writes `blocks.mjs` into `folder`: two block types for CLI tests, `db-credentials` (a user and a
 * secret password) and `warehouse` (plain fields, an enum, a nested `db-credentials`, a nested
 * object of options), and a `tessera.config.json` beside it that lists the module, so commands
 * run in `folder` (a `CliHome`'s default) load it. Returns the file's path, for
 * `tessera block register -f`.
 */
export async function writeExampleBlocks(folder: string): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  const file = join(folder, "blocks.mjs");
  await writeFile(
    file,
    `import { defineBlock, secret, z } from ${JSON.stringify(coreModuleUrl)};

export class DbCredentials extends defineBlock({
  type: "db-credentials",
  title: "Database credentials",
  version: "1.0.0",
  schema: z.object({ user: z.string(), password: secret() }),
}) {}

export class Warehouse extends defineBlock({
  type: "warehouse",
  title: "Warehouse",
  description: "A warehouse connection",
  capabilities: ["query"],
  version: "1.2.0",
  schema: z.object({
    host: z.string().describe("Host name"),
    port: z.number().int().default(5432),
    ssl: z.boolean().default(true),
    mode: z.enum(["read", "write"]).default("read"),
    credentials: DbCredentials.field(),
    options: z.object({ timeout: z.number().default(30), schema: z.string().optional() }).prefault({}),
  }),
}) {}
`,
  );
  await writeFile(
    join(folder, "tessera.config.json"),
    JSON.stringify({ modules: ["./blocks.mjs"] }),
  );
  return file;
}

/**
 * Stores `count` documents of provider block types (`s3-bucket`, `aws-credentials`, recorded as
 * defined by `@tessera/aws`) straight into the SQLite store of `home`, in one transaction, without
 * loading any integration: what a user's store looks like after months of use.
 */
export async function seedProviderDocuments(home: string, count: number): Promise<void> {
  const { openSqliteStore } = await import("@tessera/core");
  const store = await openSqliteStore({ path: join(home, "tessera.db") });
  const definingPackage = { name: "@tessera/aws", version: "0.1.0", coreRange: "^0.1.0" };
  try {
    for (const type of ["aws-credentials", "s3-bucket"]) {
      await store.putBlockType({
        type,
        title: type,
        description: "",
        capabilities: type === "s3-bucket" ? ["read-path", "write-path"] : [],
        schemaVersion: "0.1.0",
        checksum: `sha256:${"0".repeat(64)}`,
        jsonSchema: { type: "object", properties: { bucketName: { type: "string" } } },
        secretFields: [],
        package: definingPackage,
        registeredAt: new Date().toISOString(),
      });
    }
    const { randomUUID } = await import("node:crypto");
    await store.importDocuments(
      Array.from({ length: count }, (_, index) => ({
        id: randomUUID(),
        type: index % 2 === 0 ? "s3-bucket" : "aws-credentials",
        name: `seeded-${String(index).padStart(4, "0")}`,
        data: { bucketName: `bucket-${index}`, bucketFolder: "results" },
        schemaChecksum: `sha256:${"0".repeat(64)}`,
        schemaVersion: "0.1.0",
        package: definingPackage,
        references: [],
        dataKey: null,
      })),
    );
  } finally {
    await store.close();
  }
}

/**
 * A module for `node --import` that records every module the process loads (ESM resolutions and
 * CommonJS requires) into `<output>` at exit, one URL or path per line.
 */
export async function writeModuleTracer(folder: string, output: string): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  const file = join(folder, "trace-modules.mjs");
  const hooks = `
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      port.postMessage(result.url);
      return result;
    }
    let port;
    export function initialize(data) { port = data.port; }
  `;
  await writeFile(
    file,
    `import { register, createRequire } from "node:module";
import { MessageChannel } from "node:worker_threads";
import { writeFileSync } from "node:fs";
const seen = new Set();
const { port1, port2 } = new MessageChannel();
port1.on("message", (url) => seen.add(url));
port1.unref();
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hooks)}), {
  data: { port: port2 },
  transferList: [port2],
});
process.on("exit", () => {
  for (const path of Object.keys(createRequire(import.meta.url).cache)) seen.add(path);
  writeFileSync(${JSON.stringify(output)}, [...seen].join("\\n"));
});
`,
  );
  return file;
}
