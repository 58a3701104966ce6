import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AWS_SDK_MODULES, forbiddenModulesEnvironment } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, repositoryRoot, runProcess } from "./helpers/cli.js";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const forbidSdk = forbiddenModulesEnvironment(AWS_SDK_MODULES);
const awsPackage = join(repositoryRoot, "integrations/aws");
const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/cli-secret-key";
const sessionToken = "FwoGZXIvYXdzEXAMPLE-cli-session-token";

let cli: CliHome;
/** Runs the CLI from test/ (where @tessera/aws is installed) in a process that may not load the SDK. */
const tessera = (args: string[], env: Record<string, string> = {}) =>
  cli.ok(args, { cwd: testDirectory, env: { ...forbidSdk, ...env } });

/** Builds @tessera/aws when dist/ is missing or older than a file in src/. */
async function ensureAwsBuilt(): Promise<void> {
  const { stdout } = await run("find", [
    join(awsPackage, "src"),
    "-newer",
    join(awsPackage, "dist/index.js"),
  ]).catch(() => ({ stdout: "dist/ is missing" }));
  if (stdout.trim() !== "") await run("pnpm", ["run", "build"], { cwd: awsPackage });
}

beforeAll(async () => {
  cli = await createCliHome();
  await ensureAwsBuilt();
}, 120_000);
afterAll(async () => {
  await cli?.remove();
});

describe("AWS blocks through the tessera command line", () => {
  it("refuses any AWS SDK import in a process that preloads the guard", async () => {
    const result = await runProcess(
      process.execPath,
      ["--input-type=module", "-e", 'await import("@aws-sdk/client-s3")'],
      { env: { ...cli.env, ...forbidSdk }, cwd: testDirectory },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("must not load the AWS SDK");
  });

  it("registers @tessera/aws and creates, links, lists and inspects AWS blocks without loading the SDK", async () => {
    const registered = await tessera(["block", "register", "-m", "@tessera/aws"]);
    for (const type of ["aws-credentials", "s3-bucket", "aws-secret"]) {
      expect(registered).toContain(type);
    }
    await tessera(
      [
        "block",
        "create",
        "aws-credentials",
        "prod",
        "--set",
        "accessKeyId=AKIAEXAMPLE",
        "--set",
        "region=eu-west-1",
        "--secret-from-env",
        "secretAccessKey=CLI_AWS_SECRET",
        "--secret-from-env",
        "sessionToken=CLI_AWS_TOKEN",
      ],
      { CLI_AWS_SECRET: secretAccessKey, CLI_AWS_TOKEN: sessionToken },
    );
    await tessera([
      "block",
      "create",
      "s3-bucket",
      "results",
      "--set",
      "bucketName=acme-results",
      "--set",
      "bucketFolder=daily",
      "--link",
      "credentials=aws-credentials/prod",
    ]);
    const listed = await tessera(["block", "ls"]);
    expect(listed).toContain("s3-bucket/results");
    expect(listed).toContain("aws-credentials/prod");

    const inspected = await tessera(["block", "inspect", "aws-credentials/prod"]);
    expect(inspected).toMatch(/^secretAccessKey\s+\*{8}$/m);
    expect(inspected).toMatch(/^sessionToken\s+\*{8}$/m);
    expect(inspected).not.toContain(secretAccessKey);
    expect(inspected).not.toContain(sessionToken);

    const bucket = JSON.parse(
      await tessera(["block", "inspect", "s3-bucket/results", "--json"]),
    ) as {
      data: Record<string, unknown>;
    };
    expect(bucket.data).toMatchObject({
      bucketName: "acme-results",
      bucketFolder: "daily",
      credentials: { $ref: "aws-credentials/prod" },
    });
  });
});
