import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../src/secret-block/index.js";
import { openPostgresStore, openSqliteStore } from "../src/store/index.js";
import { usePostgresCluster } from "./postgres-cluster.js";
import { isolateKeys } from "./secrets-helpers.js";

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");
const cluster = usePostgresCluster({ beforeAll, afterAll });

async function tessera(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("tessera store copy", () => {
  it("copies the embedded store into PostgreSQL, resumes when run again, and never prints the URL's password, given on the command line or in a variable", async () => {
    const environment = isolateKeys();
    const password = `pw-canary-${randomBytes(6).toString("hex")}`;
    const url = new URL(cluster().url);
    url.username = "postgres";
    url.password = password;
    const secret = `canary-${randomBytes(12).toString("hex")}`;
    try {
      const sqlite = await openSqliteStore({ path: join(environment.home, "tessera.db") });
      await new Secret({ value: secret }).save("api-token", { store: sqlite });
      await new Secret({ value: `${secret}-2` }).save("db-password", { store: sqlite });
      await sqlite.close();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TESSERA_HOME: environment.home,
        NO_COLOR: "1",
      };
      delete env.TESSERA_DATABASE_URL;
      const args = ["store", "copy", "--to", url.toString(), "--schema", "cli_copy"];
      const first = await tessera(args, env);
      expect(first.stderr).not.toMatch(/^error/m);
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/documents\s+2 \(2 copied, 0 already there\)/);
      expect(first.stdout).toContain("Verified");
      // Again, with the URL in a variable, so the password is not in the process list.
      const again = await tessera(
        ["store", "copy", "--to-env", "TARGET_DB", "--schema", "cli_copy", "--json"],
        { ...env, TARGET_DB: url.toString() },
      );
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({
        documents: 2,
        copied: 0,
        alreadyThere: 2,
        dataKeys: 2,
        masterKeys: 1,
      });
      for (const output of [first.stdout, first.stderr, again.stdout, again.stderr]) {
        expect(output).not.toContain(password);
        expect(output).not.toContain(secret);
      }
      const postgres = await openPostgresStore({ url: cluster().url, schema: "cli_copy" });
      try {
        // Same TESSERA_HOME, so the same key file opens the copied secret.
        expect(await (await Secret.load("api-token", { store: postgres })).get()).toBe(secret);
      } finally {
        await postgres.close();
      }
      const refused = await tessera(["store", "copy", "--to", `mysql://u:${password}@h/db`], env);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^error INVALID_INPUT: --to must hold a PostgreSQL URL/);
      expect(refused.stderr + refused.stdout).not.toContain(password);
      const unset = await tessera(["store", "copy", "--to-env", "NOT_SET_ANYWHERE"], env);
      expect(unset.status).toBe(1);
      expect(unset.stderr).toMatch(/^error INVALID_INPUT: .*NOT_SET_ANYWHERE is not set/m);
      const neither = await tessera(["store", "copy"], env);
      expect(neither.status).toBe(1);
      expect(neither.stderr).toMatch(/--to <url> or --to-env <VARIABLE>/);
    } finally {
      environment.restore();
    }
  });
});
