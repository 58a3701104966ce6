import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSecretCipher, masterKeyId, rotateKeys } from "../src/secrets/index.js";
import { openSqliteStore } from "../src/store/index.js";
import {
  isolateKeys,
  openSealedDocument,
  putSealedDocument,
  randomKey,
} from "./secrets-helpers.js";

const child = fileURLToPath(new URL("./fixtures/secrets-rotate-child.ts", import.meta.url));
const DOCUMENTS = 150;
const ROUNDS = 12;

let environment: ReturnType<typeof isolateKeys>;
let databasePath: string;
const keys = [randomKey(), randomKey()];

beforeAll(async () => {
  environment = isolateKeys();
  databasePath = join(environment.home, "tessera.db");
  process.env.TESSERA_ENCRYPTION_KEY = keys[0];
  const store = await openSqliteStore({ path: databasePath });
  const cipher = await getSecretCipher(store);
  for (let index = 0; index < DOCUMENTS; index += 1) {
    await putSealedDocument(store, cipher, `doc-${index}`, {
      token: `token-${index}`,
      password: `password-${index}`,
    });
  }
  await store.close();
});

afterAll(() => {
  environment.restore();
});

/** Starts the rotation in a child process and SIGKILLs it after `pages` progress lines. */
function rotateAndKill(ring: string, pages: number): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const process_: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", child, databasePath, "3"],
      {
        env: { ...process.env, TESSERA_ENCRYPTION_KEY: ring, TESSERA_DEBUG: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    let seen = 0;
    let killed = false;
    process_.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      seen = output.split("\n").filter((line) => line.startsWith("page")).length;
      if (!killed && seen >= pages) {
        killed = process_.kill("SIGKILL");
      }
    });
    process_.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    process_.on("error", reject);
    process_.on("exit", () => resolve({ killed, output }));
  });
}

describe("key rotation under SIGKILL", () => {
  it("leaves every document decryptable after a kill at a random point, and a re-run completes", async () => {
    let kills = 0;
    let midway = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const target = keys[(round + 1) % 2]!;
      const other = keys[round % 2]!;
      const ring = `${target},${other}`;
      const pages = Math.floor(Math.random() * (DOCUMENTS / 3));
      const { killed, output } = await rotateAndKill(ring, pages);
      if (killed) kills += 1;
      else expect(output).toContain("done");

      process.env.TESSERA_ENCRYPTION_KEY = ring;
      const store = await openSqliteStore({ path: databasePath });
      try {
        const cipher = await getSecretCipher(store);
        for (let index = 0; index < DOCUMENTS; index += 1) {
          const document = await store.get({ type: "test-credentials", name: `doc-${index}` });
          expect(await openSealedDocument(cipher, document!)).toEqual({
            token: `token-${index}`,
            password: `password-${index}`,
          });
        }
        const targetId = masterKeyId(Buffer.from(target, "base64"));
        const pending = await store.listDataKeys({ notMasterKeyId: targetId, limit: DOCUMENTS });
        if (pending.length > 0 && pending.length < DOCUMENTS) midway += 1;
        const rerun = await rotateKeys({ store, pageSize: 50 });
        expect(rerun.unavailable).toEqual([]);
        expect(rerun.masterKeyId).toBe(masterKeyId(Buffer.from(target, "base64")));
        const left = await store.listDataKeys({ notMasterKeyId: rerun.masterKeyId, limit: 1 });
        expect(left).toEqual([]);
      } finally {
        await store.close();
      }
    }
    expect(kills).toBeGreaterThan(ROUNDS / 2);
    // Some kills must land in the middle of a rotation, with documents under both keys.
    expect(midway).toBeGreaterThan(0);
  }, 180_000);
});
