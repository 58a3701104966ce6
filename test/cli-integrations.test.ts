import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, repositoryRoot } from "./helpers/cli.js";

let cli: CliHome;
let project: string;

/**
 * Writes an integration package `@acme/<name>` declaring `coreRange`, into `node_modules`; it
 * declares itself a Tessera integration in its package.json.
 */
async function writeIntegration(modules: string, name: string, coreRange: string): Promise<string> {
  const folder = join(modules, "@acme", name);
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, "package.json"),
    JSON.stringify({
      name: `@acme/${name}`,
      version: "2.3.4",
      type: "module",
      exports: { ".": "./index.mjs", "./package.json": "./package.json" },
      tessera: { integration: true },
      peerDependencies: { "@tessera/core": coreRange },
    }),
  );
  await writeFile(
    join(folder, "index.mjs"),
    `import { defineBlock, defineIntegration, z } from "@tessera/core";
import packageJson from "./package.json" with { type: "json" };
export class Widget extends defineBlock({ type: "acme-${name}-widget", schema: z.object({ size: z.number() }) }) {}
export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [Widget],
});
`,
  );
  return folder;
}

beforeAll(async () => {
  cli = await createCliHome();
  project = await mkdtemp(join(tmpdir(), "tessera-cli-project-"));
  const core = join(repositoryRoot, "core-blocks");
  const modules = join(project, "node_modules");
  await mkdir(join(modules, "@tessera"), { recursive: true });
  await symlink(core, join(modules, "@tessera", "core"), "dir");
  await writeIntegration(modules, "good", "^0.1.0");
  await writeIntegration(modules, "future", "^9.0.0");
  // A package that brings its own copy of core: the process ends up with two.
  const split = await writeIntegration(modules, "split", "^0.1.0");
  const copy = join(project, "core-copy");
  await mkdir(copy);
  await cp(join(core, "package.json"), join(copy, "package.json"));
  await cp(join(core, "dist"), join(copy, "dist"), { recursive: true });
  await symlink(join(core, "node_modules"), join(copy, "node_modules"), "dir");
  await mkdir(join(split, "node_modules", "@tessera"), { recursive: true });
  await symlink(copy, join(split, "node_modules", "@tessera", "core"), "dir");
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({
      name: "pipeline",
      private: true,
      dependencies: { "@acme/good": "*", "@acme/future": "*", "@acme/split": "*", "left-pad": "*" },
    }),
  );
});

afterAll(async () => {
  await cli.remove();
  await rm(project, { recursive: true, force: true });
});

interface Report {
  core: { version: string };
  integrations: Array<{
    name: string;
    version: string | null;
    coreRange: string | null;
    compatible: boolean;
    loaded: boolean;
    sameCore: boolean | null;
    blockTypes: string[];
    problem: { code: string; message: string } | null;
  }>;
  duplicateCores: Array<{ version: string; location: string }>;
}

describe("tessera integrations", () => {
  it("lists every installed integration with its version, core range and compatibility", async () => {
    const report = JSON.parse(await cli.ok(["integrations", "--json"], { cwd: project })) as Report;
    const byName = Object.fromEntries(report.integrations.map((entry) => [entry.name, entry]));
    expect(Object.keys(byName).sort()).toEqual(["@acme/future", "@acme/good", "@acme/split"]);
    expect(byName["@acme/good"]).toMatchObject({
      version: "2.3.4",
      coreRange: "^0.1.0",
      compatible: true,
      loaded: true,
      sameCore: true,
      blockTypes: ["acme-good-widget"],
      problem: null,
    });
    expect(byName["@acme/future"]).toMatchObject({
      coreRange: "^9.0.0",
      compatible: false,
      loaded: false,
      problem: { code: "INCOMPATIBLE_INTEGRATION" },
    });
    expect(byName["@acme/future"]?.problem?.message).toContain("^9.0.0");
  });

  it("reports a second copy of core brought in by an integration", async () => {
    const report = JSON.parse(await cli.ok(["integrations", "--json"], { cwd: project })) as Report;
    expect(report.integrations.find((entry) => entry.name === "@acme/split")?.sameCore).toBe(false);
    expect(report.duplicateCores).toHaveLength(2);
    const human = await cli.ok(["integrations"], { cwd: project });
    expect(human).toMatch(/^@acme\/good\s+2\.3\.4\s+\^0\.1\.0\s+yes/m);
    expect(human).toMatch(/^@acme\/future\s+2\.3\.4\s+\^9\.0\.0\s+no/m);
    expect(human).toContain("2 copies of @tessera/core are loaded");
  });

  it("registers a compatible integration's block types with its package and range", async () => {
    const out = await cli.ok(["block", "register", "-m", "@acme/good"], { cwd: project });
    expect(out).toContain(
      "Registered 1 block type from @acme/good@2.3.4 (core ^0.1.0): acme-good-widget",
    );
    const types = JSON.parse(await cli.ok(["block", "type", "ls", "--json"], { cwd: project }));
    expect(types).toEqual([
      expect.objectContaining({
        type: "acme-good-widget",
        package: { name: "@acme/good", version: "2.3.4", coreRange: "^0.1.0" },
      }),
    ]);
    // A later process loads the installed integration (declared in its package.json) by itself.
    await cli.ok(["block", "create", "acme-good-widget", "small", "--set", "size=3"], {
      cwd: project,
    });
  });

  it("refuses to register an incompatible integration, naming the range and the installed core", async () => {
    const result = await cli.run(["block", "register", "-m", "@acme/future"], { cwd: project });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INCOMPATIBLE_INTEGRATION: .*@acme\/future.*\^9\.0\.0/);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("says which package to install when a stored type's integration is missing here", async () => {
    await cli.ok(["block", "register", "-m", "@acme/good"], { cwd: project });
    const elsewhere = await mkdtemp(join(tmpdir(), "tessera-cli-elsewhere-"));
    try {
      const result = await cli.run(
        ["block", "create", "acme-good-widget", "other", "--set", "size=1"],
        {
          cwd: elsewhere,
        },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^error UNKNOWN_BLOCK_TYPE: .*@acme\/good, which is not installed where you run.*npm install @acme\/good@"\^2\.3\.4"/,
      );
      const report = JSON.parse(
        await cli.ok(["integrations", "--json"], { cwd: elsewhere }),
      ) as Report;
      expect(report.integrations).toEqual([
        expect.objectContaining({
          name: "@acme/good",
          version: null,
          problem: expect.objectContaining({ code: "INTEGRATION_NOT_FOUND" }),
        }),
      ]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("records the block types nested in a registered type, at any depth, when the module exports only the parent", async () => {
    const file = join(project, "parent-only.mjs");
    await writeFile(
      file,
      `import { defineBlock, z } from "@tessera/core";
const Leaf = defineBlock({ type: "nested-leaf", schema: z.object({ colour: z.string() }) });
const Branch = defineBlock({
  type: "nested-branch",
  schema: z.object({ leaves: z.array(Leaf.field()), spare: Leaf.field().optional() }),
});
export class Tree extends defineBlock({
  type: "nested-tree",
  schema: z.object({ label: z.string(), trunk: z.object({ branch: Branch.field().nullable() }) }),
}) {}
`,
    );
    const out = await cli.ok(["block", "register", "-f", file], { cwd: project });
    expect(out).toContain("Registered 3 block types from");
    expect(out).toContain("nested-tree, nested-branch, nested-leaf");
    const types = JSON.parse(await cli.ok(["block", "type", "ls", "--json"], { cwd: project }));
    expect(types.map((record: { type: string }) => record.type)).toEqual(
      expect.arrayContaining(["nested-tree", "nested-branch", "nested-leaf"]),
    );
    const leaf = JSON.parse(
      await cli.ok(["block", "type", "inspect", "nested-leaf", "--json"], { cwd: project }),
    );
    expect(leaf.jsonSchema.properties).toHaveProperty("colour");
  });
});
