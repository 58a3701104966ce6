import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { masterKeyId, openSqliteStore, Secret } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, type CliResult, cliPath, createCliHome, runProcess } from "./helpers/cli.js";

const barrier = pathToFileURL(join(import.meta.dirname, "fixtures/key-file-barrier.mjs")).href;
const ROUNDS = 10;
const SECRETS = 6;

let cli: CliHome;
/** The key file only: no TESSERA_ENCRYPTION_KEY. */
let env: Record<string, string | undefined>;

beforeAll(async () => {
  cli = await createCliHome();
  env = { ...cli.env, TESSERA_ENCRYPTION_KEY: undefined };
  for (let index = 0; index < SECRETS; index += 1) {
    await cli.ok(["secret", "set", `s-${index}`, "--stdin"], {
      input: `value-${index}`,
      env: { TESSERA_ENCRYPTION_KEY: undefined },
    });
  }
});

afterAll(async () => {
  await cli.remove();
});

function keyFileIds(): string[] {
  return readFileSync(join(cli.home, "master.key"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => masterKeyId(Buffer.from(line.trim(), "base64")));
}

/** `tessera key rotate --new-key --json`, held at the key file until `at`. */
function rotateAt(at: number): Promise<CliResult> {
  return runProcess(
    process.execPath,
    ["--import", barrier, cliPath, "key", "rotate", "--new-key", "--json"],
    { env: { ...env, BARRIER_AT: String(at) } },
  );
}

/** Reveals every secret in this process, with the key file as the only key source. */
async function revealAll(): Promise<unknown[]> {
  const previous = { home: process.env.TESSERA_HOME, key: process.env.TESSERA_ENCRYPTION_KEY };
  process.env.TESSERA_HOME = cli.home;
  delete process.env.TESSERA_ENCRYPTION_KEY;
  const store = await openSqliteStore({ path: join(cli.home, "tessera.db") });
  try {
    const values: unknown[] = [];
    for (let index = 0; index < SECRETS; index += 1) {
      values.push(await (await Secret.load(`s-${index}`, { store })).get());
    }
    return values;
  } finally {
    await store.close();
    process.env.TESSERA_HOME = previous.home;
    if (previous.key === undefined) delete process.env.TESSERA_ENCRYPTION_KEY;
    else process.env.TESSERA_ENCRYPTION_KEY = previous.key;
  }
}

describe("two key rotations at the same moment", () => {
  it("keeps every key either run wrapped under, and every document reveals, round after round", async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const at = Date.now() + 2_000;
      const runs = await Promise.all([rotateAt(at), rotateAt(at)]);
      for (const run of runs) {
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
      }
      const used = runs.map(
        (run) => (JSON.parse(run.stdout) as { masterKeyId: string }).masterKeyId,
      );
      const inFile = keyFileIds();
      for (const id of used) expect(inFile).toContain(id);

      // No document is wrapped by a key the file lacks, and the store's current key is in it.
      const status = JSON.parse(await cli.ok(["key", "status", "--json"], { env })) as {
        currentKeyId: string;
        keys: Array<{ id: string; available: boolean; documents: number }>;
      };
      expect(status.keys.filter((key) => !key.available)).toEqual([]);
      expect(inFile).toContain(status.currentKeyId);
      expect(await revealAll()).toEqual(
        Array.from({ length: SECRETS }, (_, index) => `value-${index}`),
      );
    }
  }, 300_000);
});
