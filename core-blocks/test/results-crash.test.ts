import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFileSystem, ResultNotFoundError, ResultStore } from "../src/index.js";

const child = join(import.meta.dirname, "fixtures", "results-crash-writer.ts");
const size = 2 << 20;
let basePath: string;

beforeAll(async () => {
  basePath = await mkdtemp(join(tmpdir(), "tessera-results-crash-"));
});
afterAll(async () => {
  await rm(basePath, { recursive: true, force: true });
});

/** Runs the writer until it has written `rounds` times, then kills it after `delay` ms. */
function writeAndKill(rounds: number, delay: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const writer = spawn(process.execPath, ["--import", "tsx", child, basePath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let scheduled = false;
    writer.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const written = output.split("\n").filter((line) => line.startsWith("wrote")).length;
      if (!scheduled && written >= rounds) {
        scheduled = true;
        setTimeout(() => writer.kill("SIGKILL"), delay);
      }
    });
    writer.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    writer.on("error", reject);
    writer.on("exit", (_code, signal) =>
      signal === "SIGKILL"
        ? resolve()
        : reject(new Error(`the writer exited on its own:\n${output}`)),
    );
  });
}

function isWhole(bytes: Uint8Array): boolean {
  return bytes.length === size && bytes.every((byte) => byte === bytes[0]);
}

describe("LocalFileSystem and ResultStore under SIGKILL", () => {
  it("leave the old or the whole new content after a writer is killed at a random point", async () => {
    const fileSystem = new LocalFileSystem({ basePath });
    const store = new ResultStore({ storage: fileSystem, serializer: "binary" });
    for (let round = 0; round < 4; round++) {
      await writeAndKill(1 + (round % 2), Math.floor(Math.random() * 60));
      expect(isWhole(await fileSystem.readPath("target.bin"))).toBe(true);
      try {
        expect(isWhole(await store.get<Buffer>("result"))).toBe(true);
      } catch (error) {
        // Killed before the first record was written: absent, never corrupted.
        expect(ResultNotFoundError.isInstance(error)).toBe(true);
      }
      const listed: string[] = [];
      for await (const entry of fileSystem.list()) listed.push(entry.path);
      expect(listed.every((path) => !path.endsWith(".tessera-tmp"))).toBe(true);
    }
  }, 120_000);
});
