import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isIntegrationManifest } from "@tessera/core";
import { describe, expect, it } from "vitest";
import {
  fixtureIntegrationDirectories,
  integrationDirectories,
  readPackageJson,
} from "./helpers/workspace.js";

// One source of truth: each integration's manifest takes its name, version and core range from
// its package.json. This fails as soon as a literal drifts from package.json.

describe.each([
  ...integrationDirectories(),
  ...fixtureIntegrationDirectories(),
])("the integration in %s", (directory) => {
  it("exports a manifest whose name, version and core range are its package.json's", async () => {
    const packageJson = readPackageJson(directory);
    const exports = (await import(pathToFileURL(join(directory, "src", "index.ts")).href)) as {
      integration?: unknown;
    };
    expect(isIntegrationManifest(exports.integration)).toBe(true);
    const manifest = exports.integration as { name: string; version: string; coreRange: string };
    expect({
      name: manifest.name,
      version: manifest.version,
      coreRange: manifest.coreRange,
    }).toEqual({
      name: packageJson.name,
      version: packageJson.version,
      coreRange: packageJson.peerDependencies?.["@tessera/core"],
    });
  });

  it("declares an honest core range: a peer dependency, with core itself only as a workspace dev dependency", () => {
    const packageJson = readPackageJson(directory);
    expect(packageJson.peerDependencies?.["@tessera/core"]).toMatch(/^[\^~>=<\d]/);
    expect(packageJson.peerDependencies?.["@tessera/core"]).not.toContain("workspace:");
    expect(packageJson.dependencies?.["@tessera/core"]).toBeUndefined();
    expect(packageJson.devDependencies?.["@tessera/core"]).toBe("workspace:*");
  });
});
