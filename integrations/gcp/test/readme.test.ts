import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  type GcpSecretManager,
  type GcsEmulator,
  readReadmeOpening,
  runExample,
  startGcpSecretManager,
  startGcsEmulator,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcpSecret, GcsBucket } from "../src/index.js";
import { serviceAccountKeyFile } from "./service-account.js";

const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let emulator: GcsEmulator;
let secretManager: GcpSecretManager;
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["acme-results"] });
  secretManager = await startGcpSecretManager();
});
afterAll(async () => {
  await emulator?.stop();
  await secretManager?.stop();
});

describe("the @tessera/gcp README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const opening = await readReadmeOpening(readmePath);
    expect(opening.firstBlockLanguages).toEqual(["sh", "ts"]);
    expect(opening.installCommand).toBe("npm install @tessera/core @tessera/gcp");
    expect(opening.firstExample.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the credentials pointed at a local GCS", async () => {
    const { firstExample: example } = await readReadmeOpening(readmePath);
    const credentials = '{ project: "analytics-prod" }';
    expect(example).toContain(credentials);
    const local = example.replace(
      credentials,
      JSON.stringify({ project: "analytics-prod", apiEndpoint: emulator.endpoint }),
    );
    await runExample(local, { cwd: testDirectory });
    const bucket = new GcsBucket({
      bucket: "acme-results",
      bucketFolder: "daily",
      credentials: { apiEndpoint: emulator.endpoint },
    });
    const stored = (await bucket.listObjects()).map((entry) => entry.path);
    expect(stored).toContain("report.meta.json");
  });

  it("runs the GcpSecret example as written, with only the credentials pointed at a local Secret Manager", async () => {
    const readme = await readFile(readmePath, "utf8");
    const section = readme.slice(readme.indexOf("## `GcpSecret`"));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    const credentials = '{ project: "analytics-prod" }';
    expect(example).toContain(credentials);
    // A key, so the client signs its own tokens; the emulator needs no token server.
    const local = {
      project: "analytics-prod",
      serviceAccountInfo: serviceAccountKeyFile(),
      secretManagerEndpoint: secretManager.endpoint,
    };
    await runExample(
      `${example!.replace(credentials, JSON.stringify(local))}\nif (value !== "s3cr3t") throw new Error("the example read another value");`,
      { cwd: testDirectory },
    );
    expect(secretManager.versions("analytics-prod", "db-password")).toEqual([
      { id: "1", state: "ENABLED" },
    ]);
    const secret = new GcpSecret({ secretName: "db-password", credentials: local });
    expect(await secret.readSecret({ version: 1 })).toBe("s3cr3t");
  });
});
