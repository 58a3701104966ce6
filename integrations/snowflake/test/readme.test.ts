import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  readReadmeOpening,
  runExample,
  type SnowflakeEmulator,
  startSnowflakeEmulator,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

const passphrase = "readme-passphrase-41c7";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });

let emulator: SnowflakeEmulator;
let folder: string;
beforeAll(async () => {
  emulator = await startSnowflakeEmulator({
    account: "MYORG-ANALYTICS",
    users: {
      LOADER: { publicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString() },
    },
  });
  // The user's project folder: the key file the example reads, with the package (and tsx, which
  // runs the example) installed.
  folder = await mkdtemp(join(tmpdir(), "tessera-snowflake-readme-"));
  await writeFile(
    join(folder, "rsa_key.p8"),
    keys.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }),
  );
  await mkdir(join(folder, "node_modules", "@tessera"), { recursive: true });
  await symlink(packageDirectory, join(folder, "node_modules", "@tessera", "snowflake"), "dir");
  const tsx = await realpath(dirname(createRequire(import.meta.url).resolve("tsx/package.json")));
  await symlink(tsx, join(folder, "node_modules", "tsx"), "dir");
});
afterAll(async () => {
  await emulator?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe("the @tessera/snowflake README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const opening = await readReadmeOpening(readmePath);
    expect(opening.firstBlockLanguages).toEqual(["sh", "ts"]);
    expect(opening.installCommand).toBe("npm install @tessera/core @tessera/snowflake");
    expect(opening.firstExample.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the account pointed at a local Snowflake, and the saved credentials log in", async () => {
    const { firstExample: example } = await readReadmeOpening(readmePath);
    // The one change: the example's account is reached at the emulator.
    const account = 'account: "myorg-analytics",';
    expect(example).toContain(account);
    const local = example.replace(
      account,
      `${account} accessUrl: ${JSON.stringify(emulator.endpoint)},`,
    );
    // Both runs share one Tessera home, so the second loads what the example saved.
    const env = {
      TESSERA_HOME: join(folder, "home"),
      TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      SNOWFLAKE_KEY_PASSPHRASE: passphrase,
    };
    await runExample(local, { cwd: folder, env });
    const { stdout } = await runExample(
      `
      import { SnowflakeConnector, SnowflakeCredentials } from "@tessera/snowflake";
      const connector = new SnowflakeConnector({
        credentials: await SnowflakeCredentials.load("warehouse"),
      });
      const rows = await connector.query("SELECT CURRENT_USER() AS who, CURRENT_ROLE() AS role");
      await connector.close();
      process.stdout.write(JSON.stringify(rows));
      `,
      { cwd: folder, env },
    );
    expect(JSON.parse(stdout)).toEqual([{ WHO: "LOADER", ROLE: "ETL" }]);
    expect(stdout).not.toContain(passphrase);
  });
});
