import { fileURLToPath } from "node:url";
import {
  emulatorCredentials,
  readReadmeOpening,
  runExample,
  type S3Server,
  startS3Server,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Bucket } from "../src/index.js";

const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let server: S3Server;
beforeAll(async () => {
  server = await startS3Server({ buckets: ["acme-results"] });
});
afterAll(async () => {
  await server?.stop();
});

describe("the @tessera/aws README", () => {
  it("starts with the install command, then the example", async () => {
    const opening = await readReadmeOpening(readmePath);
    expect(opening.firstBlockLanguages).toEqual(["sh", "ts"]);
    expect(opening.installCommand).toBe("npm install @tessera/core @tessera/aws");
    expect(opening.firstExample.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the credentials pointed at a local S3", async () => {
    const { firstExample: example } = await readReadmeOpening(readmePath);
    // The one change: the example's AWS account becomes the emulator.
    const credentials = '{ region: "eu-west-1", profile: "analytics" }';
    expect(example).toContain(credentials);
    const local = example.replace(
      credentials,
      JSON.stringify(emulatorCredentials(server.endpoint)),
    );
    await runExample(local, { cwd: testDirectory });
    // The result landed in the bucket folder the example names.
    const bucket = new S3Bucket({
      bucketName: "acme-results",
      bucketFolder: "daily",
      credentials: emulatorCredentials(server.endpoint),
    });
    const stored = (await bucket.listObjects()).map((entry) => entry.path);
    expect(stored).toContain("report.meta.json");
  });
});
