import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorCredentials } from "./helpers/aws-fixtures.js";
import {
  type CliHome,
  createCliHome,
  linkWorkspaceCore,
  repositoryRoot,
  runProcess,
} from "./helpers/cli.js";
import { type SecretsManagerEmulator, startSecretsManagerEmulator } from "./helpers/servers.js";

/**
 * A user's project with @tessera/core and @tessera/aws installed (the workspace packages, linked
 * as a package manager links them). Documents of AWS block types are saved by one process; fresh
 * processes that import only @tessera/core then load them.
 */
const awsPackage = join(repositoryRoot, "integrations", "aws");
let cli: CliHome;
let emulator: SecretsManagerEmulator;
let project: string;
let markers: string;

/** Runs `node <script>` in `cwd` against the test's Tessera home. */
async function node(script: string, cwd: string, env: Record<string, string> = {}) {
  return runProcess(process.execPath, [script], { cwd, env: { ...cli.env, ...env } });
}

/** A folder with `node_modules/@tessera/core` linked to the workspace package. */
async function projectWithCore(prefix: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  await linkWorkspaceCore(folder);
  await writeFile(
    join(folder, "package.json"),
    JSON.stringify({ name: "pipeline", private: true, type: "module" }),
  );
  return folder;
}

/** A script that imports only @tessera/core and loads the saved AWS blocks. */
const readerScript = `import { listIntegrations, loadBlock, Secret } from "@tessera/core";
try {
  const bucket = await loadBlock("s3-bucket/x");
  const secret = await Secret.load("app");
  const value = await secret.get();
  console.log(JSON.stringify({
    bucketName: bucket.bucketName,
    className: bucket.constructor.name,
    writePath: typeof bucket.writePath,
    value,
    integrations: listIntegrations().map((entry) => entry.name),
  }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code ?? null, message: error.message }));
}
`;

beforeAll(async () => {
  [cli, emulator] = await Promise.all([createCliHome(), startSecretsManagerEmulator()]);
  if (!existsSync(join(awsPackage, "dist", "index.js"))) {
    execFileSync("pnpm", ["run", "build"], { cwd: awsPackage, stdio: "pipe" });
  }
  markers = await mkdtemp(join(tmpdir(), "tessera-auto-load-markers-"));
  project = await projectWithCore("tessera-auto-load-project-");
  await symlink(awsPackage, join(project, "node_modules", "@tessera", "aws"), "dir");
  await writeFile(join(project, "reader.mjs"), readerScript);
  await writeFile(
    join(project, "writer.mjs"),
    `import { Secret, SecretValue } from "@tessera/core";
import { AwsSecret, S3Bucket } from "@tessera/aws";
const credentials = JSON.parse(process.env.EMULATOR_CREDENTIALS);
const secret = new AwsSecret({ secretName: "prod/db", credentials });
await secret.writeSecret("from-secrets-manager-71c2");
await secret.save("db");
await new S3Bucket({ bucketName: "results-bucket", bucketFolder: "prod" }).save("x");
await new Secret({ value: SecretValue.reference("aws-secret/db") }).save("app");
`,
  );
  const written = await node(join(project, "writer.mjs"), project, {
    EMULATOR_CREDENTIALS: JSON.stringify(emulatorCredentials(emulator.endpoint, 1)),
  });
  expect(written.status, written.stderr).toBe(0);
});

afterAll(async () => {
  await Promise.all([cli?.remove(), emulator?.stop()]);
  for (const folder of [project, markers]) {
    if (folder) await rm(folder, { recursive: true, force: true });
  }
});

describe("installed integrations load themselves", () => {
  it("loads s3-bucket/x and resolves a reference to aws-secret/db in a process that imported only @tessera/core", async () => {
    const result = await node(join(project, "reader.mjs"), project);
    expect(result.stderr).not.toContain("tessera: warning");
    expect(JSON.parse(result.stdout)).toEqual({
      bucketName: "results-bucket",
      className: "S3Bucket",
      writePath: "function",
      value: "from-secrets-manager-71c2",
      integrations: ["@tessera/aws"],
    });
  });

  it("reveals a secret that references aws-secret/db from the command line without registering anything", async () => {
    const out = await cli.ok(["secret", "get", "app", "--reveal"], { cwd: project });
    expect(out.trim()).toBe("from-secrets-manager-71c2");
  });

  it("lists the installed integration as declared and loaded", async () => {
    const report = JSON.parse(await cli.ok(["integrations", "--json"], { cwd: project })) as {
      integrations: Array<Record<string, unknown>>;
    };
    expect(report.integrations).toContainEqual(
      expect.objectContaining({
        name: "@tessera/aws",
        declared: true,
        loaded: true,
        compatible: true,
        sameCore: true,
        blockTypes: expect.arrayContaining(["s3-bucket", "aws-secret", "aws-credentials"]),
      }),
    );
  });

  it("says to install @tessera/aws where it is not installed", async () => {
    const bare = await projectWithCore("tessera-auto-load-bare-");
    try {
      await writeFile(join(bare, "reader.mjs"), readerScript);
      const result = await node(join(bare, "reader.mjs"), bare);
      const outcome = JSON.parse(result.stdout) as { code: string; message: string };
      expect(outcome.code).toBe("UNKNOWN_BLOCK_TYPE");
      expect(outcome.message).toContain("not installed where you run");
      expect(outcome.message).toContain('npm install @tessera/aws@"^0.1.0"');
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it("does not import a package of the recorded name that does not declare itself an integration, or whose core range excludes this core", async () => {
    for (const [label, declaration, coreRange, code] of [
      ["undeclared", undefined, "^0.1.0", "INVALID_INTEGRATION"],
      ["incompatible", { integration: true }, "^9.0.0", "INCOMPATIBLE_INTEGRATION"],
    ] as const) {
      const impostor = await projectWithCore(`tessera-auto-load-${label}-`);
      try {
        const folder = join(impostor, "node_modules", "@tessera", "aws");
        await mkdir(folder, { recursive: true });
        await writeFile(
          join(folder, "package.json"),
          JSON.stringify({
            name: "@tessera/aws",
            version: "0.1.0",
            type: "module",
            exports: "./index.mjs",
            ...(declaration ? { tessera: declaration } : {}),
            peerDependencies: { "@tessera/core": coreRange },
          }),
        );
        await writeFile(
          join(folder, "index.mjs"),
          `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(join(markers, label))}, "imported");
`,
        );
        await cp(join(project, "reader.mjs"), join(impostor, "reader.mjs"));
        const result = await node(join(impostor, "reader.mjs"), impostor, {
          TESSERA_SKIP_COMPAT_CHECK: "",
        });
        const outcome = JSON.parse(result.stdout) as { code: string; message: string };
        expect(outcome.code).toBe(code);
        expect(outcome.message).toContain("@tessera/aws");
        expect(await readdir(markers)).toEqual([]);
      } finally {
        await rm(impostor, { recursive: true, force: true });
      }
    }
  });
});
