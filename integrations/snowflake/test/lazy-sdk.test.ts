import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ForbiddenModules, importWithoutModules } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** snowflake-sdk, which importing the package or reading its blocks must not load. */
const SNOWFLAKE_SDK_MODULES: ForbiddenModules = {
  description: "snowflake-sdk",
  prefixes: ["snowflake-sdk"],
};

async function newestModification(directory: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/, so the child imports what src says. */
async function ensureBuilt(): Promise<void> {
  const built = await stat(join(packageDirectory, "dist/index.js")).then(
    (file) => file.mtimeMs,
    () => 0,
  );
  if (built >= (await newestModification(join(packageDirectory, "src")))) return;
  await run("pnpm", ["run", "build"], { cwd: packageDirectory });
}

let home: string;
beforeAll(async () => {
  await ensureBuilt();
  home = await mkdtemp(join(tmpdir(), "tessera-snowflake-lazy-"));
}, 120_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("lazy snowflake-sdk loading", () => {
  it("imports @tessera/snowflake, builds, saves and loads credentials in a process that may not load snowflake-sdk", async () => {
    const outcome = await importWithoutModules({
      specifier: "@tessera/snowflake",
      forbidden: SNOWFLAKE_SDK_MODULES,
      cwd: packageDirectory,
      afterImport: [
        "const credentials = new imported.SnowflakeCredentials({ account: 'acme-lazy', user: 'LOADER', authenticator: 'password', password: 'lazy-pw' });",
        "await credentials.save('lazy');",
        "const loaded = await imported.SnowflakeCredentials.load('lazy');",
        "await loaded.connectionOptions();",
      ].join("\n"),
      env: { TESSERA_HOME: home, TESSERA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") },
    });
    expect(outcome).toEqual({ status: 0, stderr: "" });
  }, 120_000);

  it("is refused by the same guard once code asks for the driver, so the check above is real", async () => {
    const outcome = await importWithoutModules({
      specifier: "@tessera/snowflake",
      forbidden: SNOWFLAKE_SDK_MODULES,
      cwd: packageDirectory,
      afterImport: "await import('snowflake-sdk');",
      env: { TESSERA_HOME: home },
    });
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain("snowflake-sdk");
  }, 120_000);
});
