import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BlockStore,
  createMemoryStore,
  IntegrationTooOldError,
  InvalidIntegrationError,
  listIntegrations,
  loadBlock,
  registerIntegration,
  registerModule,
  UnknownBlockTypeError,
} from "@tessera/core";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readPackageJson, repositoryRoot } from "./helpers/workspace.js";

const fixtureDirectory = join(repositoryRoot, "test", "fixtures", "widgets");
const fixture = readPackageJson(fixtureDirectory);
const fixtureRange = fixture.peerDependencies?.["@tessera/core"] ?? "";
const home = mkdtempSync(join(tmpdir(), "tessera-integration-registry-"));
let store: BlockStore;

vi.stubEnv("TESSERA_HOME", home);
vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));

beforeEach(() => {
  store = createMemoryStore();
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(home, { recursive: true, force: true });
});

async function registerFixture() {
  return registerModule(join(fixtureDirectory, "src", "index.ts"), { store });
}

describe("registering an integration records its block types in the store", () => {
  it("records each type with the package name, version and core range that define it", async () => {
    const registered = await registerFixture();
    expect(registered.blockTypes).toEqual(["widget-credentials", "widget-box"]);
    expect(registered.integrations.map((manifest) => manifest.name)).toEqual([fixture.name]);
    for (const type of ["widget-credentials", "widget-box"]) {
      const record = await store.getBlockType(type);
      expect(record?.package).toEqual({
        name: fixture.name,
        version: fixture.version,
        coreRange: fixtureRange,
      });
    }
    expect(listIntegrations()).toContainEqual(
      expect.objectContaining({
        name: fixture.name,
        version: fixture.version,
        coreRange: fixtureRange,
        blockTypes: ["widget-credentials", "widget-box"],
        compatible: true,
        sameCore: true,
      }),
    );
  });

  it("stamps every saved revision with the integration that wrote it", async () => {
    const { WidgetBox, WidgetCredentials } = await import("./fixtures/widgets/src/index.js");
    await registerFixture();
    const box = new WidgetBox({
      boxName: "blue",
      credentials: new WidgetCredentials({ apiKey: "not-a-real-key" }),
    });
    await box.save("main", { store });
    const stored = await store.get({ type: "widget-box", name: "main" });
    expect(stored?.package).toEqual({
      name: fixture.name,
      version: fixture.version,
      coreRange: fixtureRange,
    });
    const loaded = await loadBlock("widget-box/main", { store });
    expect((loaded as unknown as InstanceType<typeof WidgetBox>).describe()).toBe(
      "blue (widgets in eu-west-1)",
    );
  });

  it("refuses a document written by a newer major version of the integration, naming the version to install", async () => {
    const { WidgetBox, WidgetCredentials } = await import("./fixtures/widgets/src/index.js");
    await registerFixture();
    await new WidgetBox({
      boxName: "blue",
      credentials: new WidgetCredentials({ apiKey: "not-a-real-key" }),
    }).save("main", { store });
    const current = await store.get({ type: "widget-box", name: "main" });
    if (current === undefined) throw new Error("the block was not saved");
    // What a process with the next major version of the integration writes.
    await store.put({
      ...current,
      schemaVersion: "2.0.0",
      package: { name: fixture.name, version: "2.0.0", coreRange: fixtureRange },
      overwrite: true,
    });
    const attempt = loadBlock("widget-box/main", { store });
    await expect(attempt).rejects.toSatisfy(IntegrationTooOldError.isInstance);
    await expect(loadBlock("widget-box/main", { store })).rejects.toThrow(
      `npm install ${fixture.name}@^2.0.0`,
    );
    await expect(WidgetBox.load("main", { store })).rejects.toThrow(/newer major version/);
  });

  it("tells a process that lacks a type which package and range to install", async () => {
    const { WidgetBox, WidgetCredentials } = await import("./fixtures/widgets/src/index.js");
    await registerFixture();
    const saved = await new WidgetBox({
      boxName: "blue",
      credentials: new WidgetCredentials({ apiKey: "not-a-real-key" }),
    }).save("main", { store });
    const stored = await store.get({ type: "widget-box", name: "main" });
    const record = await store.getBlockType("widget-box");
    if (stored === undefined || record === undefined || saved.documentId === undefined) {
      throw new Error("the block was not saved");
    }
    // The same document and type record under a type no module of this process defines, as a
    // process without the package sees them.
    await store.putBlockType({
      ...record,
      type: "gizmo-box",
      package: { name: "@tessera/fixture-gizmos", version: "3.1.0", coreRange: fixtureRange },
    });
    await store.put({
      ...stored,
      id: "5f0c1f59-1b4c-4c1e-9d0e-2f5a6c9e8d11",
      type: "gizmo-box",
      name: "main",
      dataKey: null,
      data: { boxName: "blue" },
    });
    const attempt = loadBlock("gizmo-box/main", { store });
    await expect(attempt).rejects.toSatisfy(UnknownBlockTypeError.isInstance);
    await expect(loadBlock("gizmo-box/main", { store })).rejects.toMatchObject({
      code: "UNKNOWN_BLOCK_TYPE",
      packageName: "@tessera/fixture-gizmos",
    });
    await expect(loadBlock("gizmo-box/main", { store })).rejects.toThrow(
      /npm install @tessera\/fixture-gizmos@"\^3\.1\.0"/,
    );
  });
});

describe("registering a local module", () => {
  it("registers the block classes it exports, without a defining package", async () => {
    const registered = await registerModule(
      join(repositoryRoot, "test", "fixtures", "local-blocks.ts"),
      {
        store,
      },
    );
    expect(registered).toEqual({ integrations: [], blockTypes: ["local-note"] });
    const record = await store.getBlockType("local-note");
    expect(record?.title).toBe("Local note");
    expect(record?.package).toBeUndefined();
  });

  it("refuses a module that exports no block class and no manifest, saying what to export", async () => {
    const attempt = registerModule(join(repositoryRoot, "test", "fixtures", "no-blocks.ts"), {
      store,
    });
    await expect(attempt).rejects.toSatisfy(InvalidIntegrationError.isInstance);
    await expect(
      registerModule(join(repositoryRoot, "test", "fixtures", "no-blocks.ts"), { store }),
    ).rejects.toThrow(/exports no block class \(made with defineBlock\)/);
  });

  it("refuses a module that does not import, with the cause and what to do, and records nothing", async () => {
    const file = join(home, "broken-blocks.mjs");
    writeFileSync(file, "export const broken = ;\n");
    const before = await store.listBlockTypes();
    const attempt = registerModule(file, { store });
    await expect(attempt).rejects.toMatchObject({ code: "INVALID_INTEGRATION" });
    await expect(registerModule(file, { store })).rejects.toThrow(
      /importing .*broken-blocks\.mjs failed \(.+\)\. Fix the module .* then register it again\./s,
    );
    expect(await store.listBlockTypes()).toEqual(before);
  });

  it("refuses a package (by name or by folder) that exports no integration manifest, saying what to export", async () => {
    const project = join(home, "no-manifest-project");
    const folder = join(project, "node_modules", "plain-package");
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "package.json"),
      JSON.stringify({ name: "plain-package", version: "1.0.0", type: "module", main: "index.js" }),
    );
    writeFileSync(join(folder, "index.js"), "export const answer = 42;\n");
    for (const specifier of ["plain-package", folder]) {
      const attempt = registerIntegration(specifier, { store, from: project });
      await expect(attempt).rejects.toMatchObject({ code: "INVALID_INTEGRATION" });
      await expect(registerIntegration(specifier, { store, from: project })).rejects.toThrow(
        /exports no integration manifest.*export const integration = defineIntegration/,
      );
    }
    expect(await store.listBlockTypes()).toEqual([]);
  });

  it("says a file that does not exist does not exist", async () => {
    await expect(
      registerModule("./no-such-blocks.mjs", { store, from: home }),
    ).rejects.toMatchObject({ code: "INTEGRATION_NOT_FOUND" });
  });
});
