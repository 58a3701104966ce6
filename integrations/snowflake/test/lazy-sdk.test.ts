import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ensurePackageBuilt,
  type ForbiddenModules,
  importWithoutModules,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** snowflake-sdk, which importing the package or reading its blocks must not load. */
const SNOWFLAKE_SDK_MODULES: ForbiddenModules = {
  description: "snowflake-sdk",
  prefixes: ["snowflake-sdk"],
};

let home: string;
beforeAll(async () => {
  await ensurePackageBuilt(packageDirectory);
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
