import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type SnowflakeEmulator, startSnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

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
  // The user's folder: the key file the example reads, and the package installed.
  folder = await mkdtemp(join(tmpdir(), "tessera-snowflake-readme-"));
  await writeFile(
    join(folder, "rsa_key.p8"),
    keys.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }),
  );
  await mkdir(join(folder, "node_modules", "@tessera"), { recursive: true });
  await symlink(packageDirectory, join(folder, "node_modules", "@tessera", "snowflake"), "dir");
});
afterAll(async () => {
  await emulator?.stop();
  await rm(folder, { recursive: true, force: true });
});

/** The README's first TypeScript block: the example a user copies first. */
async function firstExample(): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error("the README has no ts example");
  return example;
}

describe("the @tessera/snowflake README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const readme = await readFile(readmePath, "utf8");
    const firstBlocks = [...readme.matchAll(/```(\w+)\n/g)].slice(0, 2).map((match) => match[1]);
    expect(firstBlocks).toEqual(["sh", "ts"]);
    expect(readme).toMatch(/```sh\nnpm install @tessera\/core @tessera\/snowflake\n```/);
    expect((await firstExample()).trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the account pointed at a local Snowflake, and the saved credentials log in", async () => {
    const example = await firstExample();
    const account = 'account: "myorg-analytics",';
    expect(example).toContain(account);
    const local = example.replace(
      account,
      `${account} accessUrl: ${JSON.stringify(emulator.endpoint)},`,
    );
    const env = {
      ...process.env,
      NODE_OPTIONS: "",
      TESSERA_HOME: join(folder, "home"),
      TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      SNOWFLAKE_KEY_PASSPHRASE: passphrase,
    };
    const node = (script: string) =>
      run(
        process.execPath,
        ["--conditions=@tessera/source", "--import", tsx, "--input-type=module", "--eval", script],
        { cwd: folder, env },
      );
    await node(local);
    // Another process loads what the example saved and runs a statement with it.
    const { stdout } = await node(`
      import { SnowflakeConnector, SnowflakeCredentials } from "@tessera/snowflake";
      const connector = new SnowflakeConnector({
        credentials: await SnowflakeCredentials.load("warehouse"),
      });
      const rows = await connector.query("SELECT CURRENT_USER() AS who, CURRENT_ROLE() AS role");
      await connector.close();
      process.stdout.write(JSON.stringify(rows));
    `);
    expect(JSON.parse(stdout)).toEqual([{ WHO: "LOADER", ROLE: "ETL" }]);
    expect(stdout).not.toContain(passphrase);
  });
});
