import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AWS_SDK_MODULES, ensurePackageBuilt, importWithoutModules } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("./fixtures/save-and-list-blocks.mjs", import.meta.url));

let home: string;
beforeAll(async () => {
  await ensurePackageBuilt(packageDirectory);
  home = await mkdtemp(join(tmpdir(), "tessera-aws-lazy-"));
}, 120_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("lazy AWS SDK loading", () => {
  it("imports @tessera/aws and builds its blocks in a process that may not load the AWS SDK", async () => {
    const outcome = await importWithoutModules({
      specifier: "@tessera/aws",
      forbidden: AWS_SDK_MODULES,
      cwd: packageDirectory,
      afterImport:
        'new imported.S3Bucket({ bucketName: "lazy", credentials: { region: "eu-west-1" } });',
      env: { TESSERA_HOME: home },
    });
    expect(outcome).toEqual({ status: 0, stderr: "" });
  }, 120_000);

  it("saves, lists and loads AWS blocks without loading any @aws-sdk module, and loads the SDK on the first client", async () => {
    const { stdout } = await run(process.execPath, [script], {
      cwd: packageDirectory,
      env: {
        ...process.env,
        TESSERA_HOME: home,
        TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        NODE_OPTIONS: "",
      },
    });
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      listed: string[];
      afterConfiguration: { resolved: string[]; cached: string[] };
      afterFirstClient: { resolved: string[]; cached: string[] };
    };
    expect(report.listed.sort()).toEqual(["db", "prod", "results"]);
    expect(report.afterConfiguration).toEqual({ resolved: [], cached: [] });
    // The same probes see the SDK once a method needs it, so the empty lists above are real.
    expect(report.afterFirstClient.resolved.some((url) => url.includes("@aws-sdk/client-s3"))).toBe(
      true,
    );
    expect(report.afterFirstClient.cached.length).toBeGreaterThan(0);
  }, 120_000);
});
