import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlockTypeRecord, openSqliteStore } from "@tessera/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliHome, type CliResult, createCliHome, linkWorkspaceCore } from "./helpers/cli.js";

/**
 * Someone who can write the database plants module paths and package names into its type
 * records. Every command that used to import what the store named must leave them alone.
 */
let cli: CliHome;
/** The user's project: `evil-widgets` is installed here but does not declare itself an integration. */
let project: string;
/** Where the planted code writes its markers when imported. */
let markers: string;
/** A module file that writes a marker when imported. */
let plantedFile: string;

async function writeMarkerModule(file: string, marker: string): Promise<void> {
  await writeFile(
    file,
    `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(join(markers, marker))}, "imported");
export const nothing = 0;
`,
  );
}

function typeRecord(type: string, extra: Partial<BlockTypeRecord> = {}): BlockTypeRecord {
  return {
    type,
    title: type,
    description: "",
    capabilities: [],
    schemaVersion: "1.0.0",
    checksum: `sha256:${"0".repeat(64)}`,
    jsonSchema: { type: "object", properties: { text: { type: "string" } } },
    secretFields: [],
    registeredAt: new Date().toISOString(),
    ...extra,
  };
}

beforeAll(async () => {
  cli = await createCliHome();
  project = await mkdtemp(join(tmpdir(), "tessera-planted-project-"));
  markers = await mkdtemp(join(tmpdir(), "tessera-planted-markers-"));
  await linkWorkspaceCore(project);
  const modules = join(project, "node_modules");
  const evil = join(modules, "evil-widgets");
  await mkdir(evil, { recursive: true });
  await writeFile(
    join(evil, "package.json"),
    JSON.stringify({
      name: "evil-widgets",
      version: "1.0.0",
      type: "module",
      exports: "./index.mjs",
      peerDependencies: { "@tessera/core": "^0.1.0" },
    }),
  );
  await writeMarkerModule(join(evil, "index.mjs"), "package-imported");
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "victim", private: true, dependencies: { "evil-widgets": "*" } }),
  );
  plantedFile = join(await mkdtemp(join(tmpdir(), "tessera-planted-file-")), "planted.mjs");
  await writeMarkerModule(plantedFile, "file-imported");

  const store = await openSqliteStore({ path: join(cli.home, "tessera.db") });
  try {
    const evilPackage = { name: "evil-widgets", version: "1.0.0", coreRange: "^0.1.0" };
    await store.putBlockType(typeRecord("planted-note"));
    await store.putBlockType(typeRecord("planted-widget", { package: evilPackage }));
    await store.putBlockType(
      typeRecord("planted-path", {
        package: { name: plantedFile, version: "1.0.0", coreRange: "^0.1.0" },
      }),
    );
    await store.putBlockType(
      typeRecord("planted-source", { capabilities: ["secret-source"], package: evilPackage }),
    );
    await store.putBlockType(
      typeRecord("planted-file-source", { capabilities: ["secret-source"] }),
    );
    for (const type of ["planted-note", "planted-widget", "planted-path", "planted-file-source"]) {
      await store.setMeta(`cli.module-file.${type}`, plantedFile);
    }
    const document = (type: string, name: string, data: Record<string, unknown>) => ({
      id: randomUUID(),
      type,
      name,
      data: data as never,
      schemaChecksum: `sha256:${"0".repeat(64)}`,
      schemaVersion: "1.0.0",
      references: [],
      dataKey: null,
    });
    await store.importDocuments([
      document("planted-note", "existing", { text: "a" }),
      document("planted-widget", "existing", { text: "a" }),
      document("planted-path", "existing", { text: "a" }),
      document("planted-source", "x", { text: "a" }),
      document("planted-file-source", "x", { text: "a" }),
      document("secret", "via-package", { value: { $reference: "planted-source/x" } }),
      document("secret", "via-file", { value: { $reference: "planted-file-source/x" } }),
    ]);
  } finally {
    await store.close();
  }
});

afterAll(async () => {
  await cli?.remove();
  for (const folder of [project, markers]) {
    if (folder) await rm(folder, { recursive: true, force: true });
  }
});

beforeEach(async () => {
  expect(await readdir(markers)).toEqual([]);
});

/** Runs a command in the project and checks that no planted code ran. */
async function runPlanted(args: string[], cwd = project): Promise<CliResult> {
  const result = await cli.run(args, { cwd });
  expect(await readdir(markers)).toEqual([]);
  expect(existsSync(join(markers, "file-imported"))).toBe(false);
  return result;
}

describe("the store is data, never code", () => {
  it("never imports a module path recorded by block register -f, and says how to list it in the project", async () => {
    for (const args of [
      ["block", "create", "planted-note", "new", "--set", "text=x", "--no-input"],
      ["block", "edit", "planted-note/existing", "--set", "text=y"],
    ]) {
      const result = await runPlanted(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error UNKNOWN_BLOCK_TYPE: Block type "planted-note"/);
      expect(result.stderr).toContain(JSON.stringify(plantedFile));
      expect(result.stderr).toContain("tessera.config.json");
    }
  });

  it("never imports an installed package the store names unless it declares itself an integration", async () => {
    for (const args of [
      ["block", "create", "planted-widget", "new", "--set", "text=x", "--no-input"],
      ["block", "edit", "planted-widget/existing", "--set", "text=y"],
    ]) {
      const result = await runPlanted(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error INVALID_INTEGRATION: "evil-widgets"/);
      expect(result.stderr).toContain('"tessera": { "integration": true }');
      expect(result.stderr).toContain("tessera.config.json");
    }
  });

  it("never imports a path the store gives as a package name", async () => {
    const result = await runPlanted([
      "block",
      "create",
      "planted-path",
      "new",
      "--set",
      "text=x",
      "--no-input",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error UNKNOWN_BLOCK_TYPE: .*not an npm package name/);
  });

  it("reveals no secret through a recorded secret source by importing what the store names", async () => {
    for (const args of [
      ["secret", "get", "via-package", "--reveal"],
      ["block", "inspect", "secret/via-package", "--show-secrets"],
    ]) {
      const result = await runPlanted(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("evil-widgets");
      expect(result.stderr).toContain('"tessera": { "integration": true }');
    }
    for (const args of [
      ["secret", "get", "via-file", "--reveal"],
      ["block", "inspect", "secret/via-file", "--show-secrets"],
    ]) {
      const result = await runPlanted(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("planted-file-source");
    }
  });

  it("lists a recorded package without importing it, saying why it is not loaded", async () => {
    const result = await runPlanted(["integrations", "--json"]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      integrations: Array<{ name: string; declared: boolean; loaded: boolean; problem: unknown }>;
    };
    expect(report.integrations.find((entry) => entry.name === "evil-widgets")).toMatchObject({
      declared: false,
      loaded: false,
      problem: { code: "INVALID_INTEGRATION" },
    });
    expect(report.integrations.some((entry) => entry.name === plantedFile)).toBe(false);
  });

  it("says what to install when the package the store names is not installed where the user runs", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "tessera-planted-elsewhere-"));
    try {
      const result = await runPlanted(
        ["block", "create", "planted-widget", "new", "--set", "text=x", "--no-input"],
        elsewhere,
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^error UNKNOWN_BLOCK_TYPE: .*npm install evil-widgets@"\^1\.0\.0"/,
      );
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("loads a module the user lists in the project's tessera.config.json", async () => {
    const own = await mkdtemp(join(tmpdir(), "tessera-own-project-"));
    try {
      await linkWorkspaceCore(own);
      await writeFile(
        join(own, "notes.mjs"),
        `import { defineBlock, z } from "@tessera/core";
export class Note extends defineBlock({ type: "planted-note", schema: z.object({ text: z.string() }) }) {}
`,
      );
      await writeFile(
        join(own, "tessera.config.json"),
        JSON.stringify({ modules: ["./notes.mjs"] }),
      );
      await mkdir(join(own, "sub"));
      await cli.ok(["block", "edit", "planted-note/existing", "--set", "text=mine"], {
        cwd: join(own, "sub"),
      });
      const shown = JSON.parse(
        await cli.ok(["block", "inspect", "planted-note/existing", "--json"], { cwd: own }),
      );
      expect(shown.data).toEqual({ text: "mine" });
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it("refuses a project configuration that other users can change", async () => {
    const shared = await mkdtemp(join(tmpdir(), "tessera-shared-project-"));
    try {
      const config = join(shared, "tessera.config.json");
      await writeFile(config, JSON.stringify({ modules: [plantedFile] }), { mode: 0o666 });
      const { chmod } = await import("node:fs/promises");
      await chmod(config, 0o666);
      const result = await runPlanted(
        ["block", "create", "planted-note", "new", "--set", "text=x", "--no-input"],
        shared,
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error INVALID_PROJECT_CONFIG: .*chmod go-w/);
    } finally {
      await rm(shared, { recursive: true, force: true });
    }
  });
});
