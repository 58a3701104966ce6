import { fileURLToPath } from "node:url";
import { BlobServiceClient } from "@azure/storage-blob";
import { readReadmeOpening, runExample } from "@tessera/test-servers";
import { describe, expect, it } from "vitest";
import { type TestAzurite, useAzurite } from "./azurite.js";

const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let azurite: TestAzurite;
useAzurite((started) => {
  azurite = started;
});

describe("the @tessera/azure README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const opening = await readReadmeOpening(readmePath);
    expect(opening.firstBlockLanguages).toEqual(["sh", "ts"]);
    expect(opening.installCommand).toBe("npm install @tessera/core @tessera/azure");
    expect(opening.firstExample.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the credentials pointed at Azurite", async () => {
    const { firstExample: example } = await readReadmeOpening(readmePath);
    // The one change: the example's storage account becomes Azurite.
    const credentials = '{ accountUrl: "https://acme.blob.core.windows.net" }';
    expect(example).toContain(credentials);
    const local = example.replace(
      credentials,
      JSON.stringify({ connectionString: azurite.connectionString }),
    );
    await runExample(local, { cwd: testDirectory });
    const container = BlobServiceClient.fromConnectionString(
      azurite.connectionString,
    ).getContainerClient("results");
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names).toContain("daily/hello.txt");
    expect(names.some((name) => name.startsWith("daily/") && name.includes("report"))).toBe(true);
  });
});
