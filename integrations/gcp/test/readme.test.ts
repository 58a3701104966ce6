import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type GcsEmulator, startGcsEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcsBucket } from "../src/index.js";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let emulator: GcsEmulator;
let home: string;
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["acme-results"] });
  home = await mkdtemp(join(tmpdir(), "tessera-gcp-readme-"));
});
afterAll(async () => {
  await emulator?.stop();
  await rm(home, { recursive: true, force: true });
});

/** The README's first TypeScript block: the example a user copies first. */
async function firstExample(): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error("the README has no ts example");
  return example;
}

describe("the @tessera/gcp README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const readme = await readFile(readmePath, "utf8");
    const firstBlocks = [...readme.matchAll(/```(\w+)\n/g)].slice(0, 2).map((match) => match[1]);
    expect(firstBlocks).toEqual(["sh", "ts"]);
    expect(readme).toMatch(/```sh\nnpm install @tessera\/core @tessera\/gcp\n```/);
    expect((await firstExample()).trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the credentials pointed at a local GCS", async () => {
    const example = await firstExample();
    const credentials = '{ project: "analytics-prod" }';
    expect(example).toContain(credentials);
    const local = example.replace(
      credentials,
      JSON.stringify({ project: "analytics-prod", apiEndpoint: emulator.endpoint }),
    );
    await run(
      process.execPath,
      ["--conditions=@tessera/source", "--import", "tsx", "--input-type=module", "--eval", local],
      {
        cwd: testDirectory,
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          TESSERA_HOME: home,
          TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        },
      },
    );
    const bucket = new GcsBucket({
      bucket: "acme-results",
      bucketFolder: "daily",
      credentials: { apiEndpoint: emulator.endpoint },
    });
    const stored = (await bucket.listObjects()).map((entry) => entry.path);
    expect(stored).toContain("report.meta.json");
  });
});
