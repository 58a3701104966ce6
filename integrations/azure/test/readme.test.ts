import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestAzurite, useAzurite } from "./azurite.js";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let azurite: TestAzurite;
let home: string;
useAzurite((started) => {
  azurite = started;
});
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "tessera-azure-readme-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The README's first TypeScript block: the example a user copies first. */
async function firstExample(): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error("the README has no ts example");
  return example;
}

describe("the @tessera/azure README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const readme = await readFile(readmePath, "utf8");
    const firstBlocks = [...readme.matchAll(/```(\w+)\n/g)].slice(0, 2).map((match) => match[1]);
    expect(firstBlocks).toEqual(["sh", "ts"]);
    expect(readme).toMatch(/```sh\nnpm install @tessera\/core @tessera\/azure\n```/);
    const lines = (await firstExample()).trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the credentials pointed at Azurite", async () => {
    const example = await firstExample();
    // The one change: the example's storage account becomes Azurite.
    const credentials = '{ accountUrl: "https://acme.blob.core.windows.net" }';
    expect(example).toContain(credentials);
    const local = example.replace(
      credentials,
      JSON.stringify({ connectionString: azurite.connectionString }),
    );
    await run(
      process.execPath,
      ["--conditions=@tessera/source", "--import", "tsx", "--input-type=module", "--eval", local],
      {
        cwd: testDirectory,
        env: {
          ...process.env,
          TESSERA_HOME: home,
          TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          NODE_OPTIONS: "",
        },
      },
    );
    const container = BlobServiceClient.fromConnectionString(
      azurite.connectionString,
    ).getContainerClient("results");
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names).toContain("daily/hello.txt");
    expect(names.some((name) => name.startsWith("daily/") && name.includes("report"))).toBe(true);
  });
});
