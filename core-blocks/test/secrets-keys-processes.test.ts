import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Secret } from "../src/secret-block/index.js";
import { getSecretCipher, keyFilePath, rotateKeys } from "../src/secrets/index.js";
import { openSqliteStore } from "../src/store/index.js";
import { isolateKeys } from "./secrets-helpers.js";

const writerScript = fileURLToPath(new URL("./fixtures/secrets-writer-child.ts", import.meta.url));

let environment: ReturnType<typeof isolateKeys>;
let databasePath: string;

beforeEach(() => {
  environment = isolateKeys();
  databasePath = join(environment.home, "tessera.db");
});

afterEach(() => {
  environment.restore();
});

interface Writer {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  exited: Promise<number | null>;
  stderr: () => string;
}

function startWriter(): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", writerScript, databasePath], {
    env: { ...process.env, TESSERA_DEBUG: "" },
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, lines, exited, stderr: () => stderr };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("a long-running writer across key rotation and retirement", () => {
  it("keeps every acknowledged save revealable after rotations that retire the keys it started with", async () => {
    const setup = await openSqliteStore({ path: databasePath });
    await getSecretCipher(setup); // creates the key file
    await setup.close();

    const writer = startWriter();
    await until(() => writer.lines.includes("ready"), `the writer to start (${writer.stderr()})`);
    const store = await openSqliteStore({ path: databasePath });
    const retired: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const before = writer.lines.filter((line) => line.startsWith("ack ")).length;
      await until(
        () => writer.lines.filter((line) => line.startsWith("ack ")).length > before + 5,
        "more saves",
      );
      const result = await rotateKeys({ store, newKey: true, retireOldKeys: true });
      expect(result.unavailable).toEqual([]);
      retired.push(...result.retired);
    }
    const acked = () => writer.lines.filter((line) => line.startsWith("ack ")).length;
    const last = acked();
    await until(() => acked() > last + 10, "saves after the last retirement");
    writer.child.stdin.write("stop\n");
    expect(await writer.exited).toBe(0);
    await store.close();

    // Each round retired at least the key before it; all of them are in the backup file, 0600.
    expect(retired.length).toBeGreaterThanOrEqual(3);
    const backup = `${keyFilePath()}.retired`;
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(readFileSync(backup, "utf8").trim().split("\n")).toHaveLength(new Set(retired).size);

    // The writer's own reveals kept working after its keys were rotated away and retired.
    expect(
      writer.lines.filter((line) => line.startsWith("reveal ") && line !== "reveal ok"),
    ).toEqual([]);
    expect(writer.lines.filter((line) => line === "reveal ok").length).toBeGreaterThan(0);

    // A fresh process, with only the key file's current key, reveals every acknowledged save.
    const fresh = await openSqliteStore({ path: databasePath });
    try {
      const saves = writer.lines
        .filter((line) => line.startsWith("ack "))
        .map((line) => line.split(" ") as [string, string, string]);
      expect(saves.length).toBeGreaterThan(25);
      for (const [, name, value] of saves) {
        expect(await (await Secret.load(name, { store: fresh })).get()).toBe(value);
      }
      expect(readFileSync(keyFilePath(), "utf8").trim().split("\n")).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
