import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliHome,
  cliPath,
  createCliHome,
  repositoryRoot,
  runProcess,
  seedProviderDocuments,
  writeModuleTracer,
} from "./helpers/cli.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
  await seedProviderDocuments(cli.home, 200);
});

afterAll(async () => {
  await cli.remove();
});

const providerModules =
  /@aws-sdk|@smithy|@google-cloud|@azure|@slack|snowflake-sdk|@tessera\/(aws|gcp|azure|slack|snowflake)|integrations\/(aws|gcp|azure|slack|snowflake)/;

/** Runs the CLI with a module tracer from the test package (where @tessera/aws is installed). */
async function traced(args: string[]): Promise<{ stdout: string; modules: string[] }> {
  const output = join(cli.home, `modules-${args.join("-").replace(/[^a-z0-9-]/g, "_")}.txt`);
  const tracer = await writeModuleTracer(cli.home, output);
  const result = await runProcess(process.execPath, ["--import", tracer, cliPath, ...args], {
    env: cli.env,
    cwd: join(repositoryRoot, "test"),
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const modules = (await readFile(output, "utf8")).split("\n").filter(Boolean);
  return { stdout: result.stdout, modules };
}

describe("cold start of tessera over a store of provider blocks", () => {
  it("lists 200 stored documents without loading any provider SDK or integration", async () => {
    const { stdout, modules } = await traced(["block", "ls", "--json"]);
    expect(JSON.parse(stdout)).toHaveLength(200);
    // The tracer sees what was loaded: the CLI and the SQLite driver, and nothing of a provider.
    expect(modules.some((module) => module.includes("dist/cli/bin.js"))).toBe(true);
    expect(modules.some((module) => module.includes("better-sqlite3"))).toBe(true);
    expect(modules.filter((module) => providerModules.test(module))).toEqual([]);
  });

  it("inspects a provider block and lists its types without loading its integration", async () => {
    const inspected = await traced(["block", "inspect", "s3-bucket/seeded-0000"]);
    expect(inspected.stdout).toMatch(/^bucketName\s+bucket-0$/m);
    expect(inspected.modules.filter((module) => providerModules.test(module))).toEqual([]);
    const types = await traced(["block", "type", "ls"]);
    expect(types.stdout).toContain("@tessera/aws@0.1.0");
    expect(types.modules.filter((module) => providerModules.test(module))).toEqual([]);
  });

  it("does not load the prompt, YAML or schema libraries to list blocks", async () => {
    const { modules } = await traced(["block", "ls"]);
    expect(modules.filter((module) => /@clack|\/yaml\/|\/zod\//.test(module))).toEqual([]);
  });
});
