import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  installedPackageJson,
  packageManagerEnvironment,
  packFixtureIntegration,
  packWorkspacePackage,
} from "./helpers/pack.js";
import { readPackageJson, repositoryRoot } from "./helpers/workspace.js";

// Installs Tessera the way a user does: packed tarballs, a project outside the workspace, plain
// `npm install`, then scripts run with node in that project. One install serves every case.

const root = mkdtempSync(join(tmpdir(), "tessera-packaging-"));
const project = join(root, "project");
const tarballs = join(root, "tarballs");
const coreVersion = readPackageJson(join(repositoryRoot, "core-blocks")).version;
/** The version the side-by-side second copy of core claims. */
const secondCoreVersion = semver.inc(coreVersion, "minor") ?? "";
/** The range of an integration released for the next core major, which excludes this core. */
const nextMajorRange = `^${semver.inc(coreVersion, "major")}`;
const environment = packageManagerEnvironment(join(root, "npm-cache"));

interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The JSON the script printed last on stdout. */
  json: Record<string, unknown>;
}

function runScript(
  name: string,
  source: string,
  extraEnvironment: Record<string, string> = {},
): ScriptResult {
  writeFileSync(join(project, name), source);
  const result = spawnSync(process.execPath, [name], {
    cwd: project,
    encoding: "utf8",
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      TESSERA_HOME: join(root, "tessera-home"),
      TESSERA_SKIP_COMPAT_CHECK: "",
      ...extraEnvironment,
    },
    timeout: 60_000,
  });
  const lastLine = result.stdout.trim().split("\n").pop() ?? "";
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(lastLine) as Record<string, unknown>;
  } catch {
    // Left empty: the assertions on status and stderr say what went wrong.
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

/** A copy of the core tarball that claims another version (its package.json and built code). */
function packSecondCore(coreTarball: string): string {
  const scratch = join(root, "second-core");
  mkdirSync(scratch, { recursive: true });
  execFileSync("tar", ["xzf", coreTarball, "-C", scratch]);
  const packageDirectory = join(scratch, "package");
  const packageJsonPath = join(packageDirectory, "package.json");
  const packageJson = JSON.parse(readFileSync(packageJsonPath, "utf8"));
  packageJson.version = secondCoreVersion;
  writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2));
  // The build inlines the version read from package.json; a real release would rebuild.
  let patched = 0;
  for (const file of readdirSync(join(packageDirectory, "dist"))) {
    if (!file.endsWith(".js")) continue;
    const path = join(packageDirectory, "dist", file);
    const code = readFileSync(path, "utf8");
    const next = code.replace(
      /(\/\/#region package\.json\s+var version = )"[^"]+"/,
      `$1"${secondCoreVersion}"`,
    );
    if (next !== code) {
      writeFileSync(path, next);
      patched += 1;
    }
  }
  if (patched === 0) throw new Error("Found no inlined core version to patch in core's dist.");
  const output = execFileSync("npm", ["pack", "--pack-destination", tarballs], {
    cwd: packageDirectory,
    encoding: "utf8",
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return join(tarballs, output.trim().split("\n").pop() ?? "");
}

beforeAll(() => {
  const core = packWorkspacePackage(join(repositoryRoot, "core-blocks"), tarballs);
  const aws = packWorkspacePackage(join(repositoryRoot, "integrations", "aws"), tarballs);
  const fixture = join(repositoryRoot, "test", "fixtures", "widgets");
  const widgets = packFixtureIntegration(fixture, join(root, "widgets"), tarballs);
  const gadgets = packFixtureIntegration(fixture, join(root, "gadgets"), tarballs, (json) => {
    json.name = "@tessera/fixture-gadgets";
    json.version = "2.0.0";
    json.peerDependencies = { "@tessera/core": nextMajorRange };
  });
  const secondCore = packSecondCore(core);
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "user-project",
        private: true,
        type: "module",
        dependencies: {
          "@tessera/core": `file:${core}`,
          "@tessera/aws": `file:${aws}`,
          "@tessera/fixture-widgets": `file:${widgets}`,
          "@tessera/fixture-gadgets": `file:${gadgets}`,
          "tessera-core-second": `file:${secondCore}`,
        },
      },
      null,
      2,
    ),
  );
  // npm itself refuses a peer range that excludes the installed core (ERESOLVE); users of
  // --legacy-peer-deps, pnpm or yarn get past that, and then Tessera's own check must speak.
  execFileSync("npm", ["install", "--legacy-peer-deps", "--no-package-lock"], {
    cwd: project,
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 540_000,
  });
}, 600_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("installing core and one integration from their tarballs", () => {
  it("installs the packed versions, with workspace ranges rewritten", () => {
    expect(installedPackageJson(project, "@tessera/core").version).toBe(coreVersion);
    const widgets = installedPackageJson(project, "@tessera/fixture-widgets");
    expect(widgets.peerDependencies?.["@tessera/core"]).toBe(
      readPackageJson(join(repositoryRoot, "test", "fixtures", "widgets")).peerDependencies?.[
        "@tessera/core"
      ],
    );
    expect(JSON.stringify(installedPackageJson(project, "@tessera/core"))).not.toContain(
      "workspace:",
    );
  });

  it("registers the integration, saves a block with a secret and loads it back by slug", () => {
    const result = runScript(
      "register-save-load.mjs",
      `import { getDefaultStore, listIntegrations, loadBlock, registerIntegration } from "@tessera/core";
const manifest = await registerIntegration("@tessera/fixture-widgets");
const { WidgetBox, WidgetCredentials } = await import("@tessera/fixture-widgets");
const box = new WidgetBox({ boxName: "blue", credentials: new WidgetCredentials({ apiKey: "canary-4b1d" }) });
await box.save("main", { overwrite: true });
const loaded = await loadBlock("widget-box/main");
const store = await getDefaultStore();
const record = await store.getBlockType("widget-box");
console.log(JSON.stringify({
  manifest: { name: manifest.name, version: manifest.version, coreRange: manifest.coreRange, blockTypes: manifest.blockTypes },
  slug: loaded.slug,
  description: loaded.describe(),
  shown: JSON.stringify(loaded),
  revealed: (await loaded.credentials.apiKey.reveal()) === "canary-4b1d",
  recordedPackage: record?.package,
  integrations: listIntegrations(),
}));
await store.close();
`,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const widgets = installedPackageJson(project, "@tessera/fixture-widgets");
    const range = widgets.peerDependencies?.["@tessera/core"];
    expect(result.json).toMatchObject({
      manifest: {
        name: "@tessera/fixture-widgets",
        version: widgets.version,
        coreRange: range,
        blockTypes: ["widget-credentials", "widget-box"],
      },
      slug: "widget-box/main",
      description: "blue (widgets in eu-west-1)",
      revealed: true,
      recordedPackage: {
        name: "@tessera/fixture-widgets",
        version: widgets.version,
        coreRange: range,
      },
      integrations: [
        expect.objectContaining({
          name: "@tessera/fixture-widgets",
          version: widgets.version,
          coreRange: range,
          coreVersion,
          compatible: true,
          sameCore: true,
        }),
      ],
    });
    expect(result.json.shown).not.toContain("canary-4b1d");
    expect(result.stdout).not.toContain("canary-4b1d");
  });

  it("loads the installed integration by itself in a process that imported only core", () => {
    // The fixture declares itself an integration in its package.json and is installed where the
    // process runs, so a stored type it defines loads it; no import or registration needed.
    const result = runScript(
      "fresh-process.mjs",
      `import { loadBlock } from "@tessera/core";
const loaded = await loadBlock("widget-box/main");
console.log(JSON.stringify({ description: loaded.describe() }));
`,
    );
    expect(result.stderr).toBe("");
    expect(result.json).toMatchObject({ description: "blue (widgets in eu-west-1)" });
  });

  it("ships the built web UI in the tarball, served at /ui/ by a server from the installed package", () => {
    const result = runScript(
      "serve-ui.mjs",
      `import { createServer, getDefaultStore } from "@tessera/core";
const store = await getDefaultStore();
const server = await createServer({ store, auth: "none" });
const url = await server.listen();
const page = await fetch(url + "/ui/");
const html = await page.text();
const script = /src="\\/ui\\/(assets\\/[^"]+\\.js)"/.exec(html)?.[1];
const asset = script ? await fetch(url + "/ui/" + script) : undefined;
console.log(JSON.stringify({
  status: page.status,
  type: page.headers.get("content-type"),
  csp: page.headers.get("content-security-policy"),
  script,
  assetStatus: asset?.status,
  assetType: asset?.headers.get("content-type"),
}));
await server.close();
await store.close();
`,
    );
    expect(result.stderr).toBe("");
    expect(result.json).toMatchObject({
      status: 200,
      type: expect.stringContaining("text/html"),
      csp: expect.stringContaining("script-src 'self'"),
      script: expect.stringMatching(/^assets\/.+\.js$/),
      assetStatus: 200,
      assetType: expect.stringContaining("javascript"),
    });
    const files = readdirSync(join(project, "node_modules", "@tessera", "core", "dist", "ui"));
    expect(files).toContain("index.html");
  });

  it("registers @tessera/aws from its tarball and saves and loads its credentials block", () => {
    const result = runScript(
      "aws.mjs",
      `import { getDefaultStore, loadBlock, registerIntegration } from "@tessera/core";
const manifest = await registerIntegration("@tessera/aws");
const { AwsCredentials } = await import("@tessera/aws");
await new AwsCredentials({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "canary-aws-5e", region: "eu-west-1" }).save("packaged", { overwrite: true });
const loaded = await loadBlock(AwsCredentials.type + "/packaged");
const store = await getDefaultStore();
const record = await store.getBlockType(AwsCredentials.type);
console.log(JSON.stringify({
  name: manifest.name,
  version: manifest.version,
  coreRange: manifest.coreRange,
  hasType: manifest.blockTypes.includes(AwsCredentials.type),
  region: loaded.region,
  revealed: (await loaded.secretAccessKey.reveal()) === "canary-aws-5e",
  recordedPackage: record?.package,
}));
await store.close();
`,
    );
    expect(result.stderr).toBe("");
    const aws = installedPackageJson(project, "@tessera/aws");
    const range = aws.peerDependencies?.["@tessera/core"];
    expect(semver.satisfies(coreVersion, range ?? "")).toBe(true);
    expect(result.json).toEqual({
      name: "@tessera/aws",
      version: aws.version,
      coreRange: range,
      hasType: true,
      region: "eu-west-1",
      revealed: true,
      recordedPackage: { name: "@tessera/aws", version: aws.version, coreRange: range },
    });
    expect(result.stdout).not.toContain("canary-aws-5e");
  });

  it("says a package that is not installed is not installed", () => {
    const result = runScript(
      "not-installed.mjs",
      `import { registerIntegration } from "@tessera/core";
try {
  await registerIntegration("@tessera/fixture-missing");
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`,
    );
    expect(result.json).toEqual({
      code: "INTEGRATION_NOT_FOUND",
      message: `The package "@tessera/fixture-missing" is not installed where ${realpathSync(project)} can see it. Install it in this project (npm install @tessera/fixture-missing) and run the command again from the project's folder.`,
    });
  });
});

describe("the installed command line", () => {
  function tessera(...args: string[]) {
    const result = spawnSync(join(project, "node_modules", ".bin", "tessera"), args, {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "", TESSERA_HOME: join(root, "tessera-home") },
      timeout: 60_000,
    });
    return { ...result, json: result.status === 0 ? JSON.parse(result.stdout) : undefined };
  }

  it("registers an installed integration by package name and reports what is installed", () => {
    const registered = tessera("block", "register", "-m", "@tessera/fixture-widgets", "--json");
    expect(registered.stderr).toBe("");
    expect(registered.status).toBe(0);
    const widgets = installedPackageJson(project, "@tessera/fixture-widgets");
    expect(registered.json).toEqual([
      expect.objectContaining({
        package: "@tessera/fixture-widgets",
        version: widgets.version,
        coreRange: widgets.peerDependencies?.["@tessera/core"],
        types: ["widget-credentials", "widget-box"],
      }),
    ]);
    const report = tessera("integrations", "--json");
    expect(report.status).toBe(0);
    expect(report.json).toMatchObject({
      core: { version: coreVersion },
      duplicateCores: [],
    });
    const byName = new Map(
      (report.json.integrations as Array<{ name: string }>).map((entry) => [entry.name, entry]),
    );
    expect(byName.get("@tessera/fixture-widgets")).toMatchObject({ compatible: true });
    expect(byName.get("@tessera/fixture-gadgets")).toMatchObject({
      compatible: false,
      problem: { code: "INCOMPATIBLE_INTEGRATION" },
    });
  });
});

describe("an integration whose core range excludes the installed core", () => {
  function expectedMessage(location: string, skipped: boolean): string {
    return (
      `@tessera/fixture-gadgets@2.0.0 supports @tessera/core "${nextMajorRange}", but @tessera/core ${coreVersion} is installed (${location}). ` +
      `Install a core it supports: npm install @tessera/core@"${nextMajorRange}". ` +
      `Or install a version of @tessera/fixture-gadgets that supports @tessera/core ${coreVersion} (its peerDependencies list the supported range: npm view @tessera/fixture-gadgets peerDependencies). ` +
      (skipped
        ? "Loading it anyway because TESSERA_SKIP_COMPAT_CHECK=1 is set: it may fail in unexpected ways."
        : "To load it anyway at your own risk, set TESSERA_SKIP_COMPAT_CHECK=1.")
    );
  }

  const script = `import { duplicateCores, registerIntegration } from "@tessera/core";
const seen = {};
try {
  await import("@tessera/fixture-gadgets");
  seen.imported = true;
} catch (error) {
  seen.importError = { name: error.name, code: error.code, message: error.message, integrationName: error.integrationName, integrationVersion: error.integrationVersion, requiredRange: error.requiredRange, coreVersion: error.coreVersion, coreLocation: error.coreLocation };
}
try {
  await registerIntegration("@tessera/fixture-gadgets");
  seen.registered = true;
} catch (error) {
  seen.registerError = { code: error.code, message: error.message };
}
console.log(JSON.stringify(seen));
`;

  it("fails on import with INCOMPATIBLE_INTEGRATION, naming the range, the installed core and what to install", () => {
    const result = runScript("incompatible.mjs", script);
    expect(result.stderr).toBe("");
    const importError = result.json.importError as Record<string, string>;
    expect(importError).toMatchObject({
      name: "IncompatibleIntegrationError",
      code: "INCOMPATIBLE_INTEGRATION",
      integrationName: "@tessera/fixture-gadgets",
      integrationVersion: "2.0.0",
      requiredRange: nextMajorRange,
      coreVersion,
    });
    expect(importError.coreLocation).toBe(
      join(realpathSync(project), "node_modules", "@tessera", "core"),
    );
    expect(importError.message).toBe(expectedMessage(importError.coreLocation ?? "", false));
    // registerIntegration checks package.json before importing, so it says the same.
    expect(result.json.registerError).toEqual({
      code: "INCOMPATIBLE_INTEGRATION",
      message: importError.message,
    });
  });

  it("loads with a warning that says the same when TESSERA_SKIP_COMPAT_CHECK=1", () => {
    const result = runScript("incompatible-skipped.mjs", script, {
      TESSERA_SKIP_COMPAT_CHECK: "1",
    });
    expect(result.json).toEqual({ imported: true, registered: true });
    const location = realpathSync(join(project, "node_modules", "@tessera", "core"));
    const warning = result.stderr.trim();
    expect(warning.startsWith("tessera: warning: INCOMPATIBLE_INTEGRATION: ")).toBe(true);
    expect(warning).toContain(location);
    const coreLocation = /is installed \(([^)]+)\)/.exec(warning)?.[1] ?? "";
    expect(warning).toBe(
      `tessera: warning: INCOMPATIBLE_INTEGRATION: ${expectedMessage(coreLocation, true)}`,
    );
  });
});

describe("two copies of core side by side", () => {
  it("reports both versions and locations, and refuses an integration built by the other copy", () => {
    const result = runScript(
      "duplicate-core.mjs",
      `import * as core from "@tessera/core";
import * as second from "tessera-core-second";
const seen = { fromFirst: core.duplicateCores(), fromSecond: second.duplicateCores() };
try {
  await second.registerIntegration("@tessera/fixture-widgets");
} catch (error) {
  seen.registerError = { code: error.code, isInstance: core.DuplicateCoreError.isInstance(error), message: error.message };
}
console.log(JSON.stringify(seen));
`,
    );
    const projectRoot = realpathSync(project);
    const firstFolder = join(projectRoot, "node_modules", "@tessera", "core");
    const secondFolder = join(projectRoot, "node_modules", "tessera-core-second");
    const copies = result.json.fromFirst as Array<{ version: string; location: string }>;
    expect(copies).toHaveLength(2);
    expect(copies[0]?.version).toBe(coreVersion);
    expect(copies[0]?.location).toBe(firstFolder);
    expect(copies[1]?.version).toBe(secondCoreVersion);
    expect(copies[1]?.location).toBe(secondFolder);
    expect(result.json.fromSecond).toEqual(copies);
    // Printed once, when the second copy was imported.
    const warnings = result.stderr.trim().split("\n");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("2 copies of @tessera/core are loaded in this process");
    expect(warnings[0]).toContain(`@tessera/core ${coreVersion} at ${copies[0]?.location}`);
    expect(warnings[0]).toContain(`@tessera/core ${secondCoreVersion} at ${copies[1]?.location}`);
    expect(warnings[0]).toContain("npm ls @tessera/core");
    const registerError = result.json.registerError as Record<string, unknown>;
    expect(registerError).toMatchObject({ code: "DUPLICATE_CORE", isInstance: true });
    expect(registerError.message).toContain(
      `@tessera/fixture-widgets@1.4.0 was built by another copy of @tessera/core (${coreVersion} at ${copies[0]?.location})`,
    );
    expect(registerError.message).toContain(
      `than the one loading it (${secondCoreVersion} at ${copies[1]?.location})`,
    );
  });
});
