import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A package.json as these tests read it. */
export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** Reads a package.json. */
export function readPackageJson(directory: string): PackageJson {
  return JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as PackageJson;
}

/** The folders of the published integration packages (`integrations/*`). */
export function integrationDirectories(): string[] {
  const parent = join(repositoryRoot, "integrations");
  return readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(parent, entry.name))
    .filter((directory) => {
      try {
        readPackageJson(directory);
        return true;
      } catch {
        return false;
      }
    });
}

/** The folders of the fixture integrations in `test/fixtures` (never published). */
export function fixtureIntegrationDirectories(): string[] {
  const parent = join(repositoryRoot, "test", "fixtures");
  return readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(parent, entry.name))
    .filter((directory) => {
      try {
        return readPackageJson(directory).peerDependencies?.["@tessera/core"] !== undefined;
      } catch {
        return false;
      }
    });
}
