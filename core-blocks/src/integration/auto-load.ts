import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidIntegrationError } from "../errors/index.js";
import type { BlockStore } from "../store/index.js";
import { importIntegration } from "./register-integration.js";
import { findPackageDirectory, splitPackageSpecifier } from "./resolve-package.js";

/**
 * The package.json field by which a package declares itself a Tessera integration, so that core
 * loads it when a stored block type needs it: `"tessera": { "integration": true }`.
 */
const integrationDeclarationField = "tessera";

/** An installed package, as found from the user's project. */
export interface InstalledPackage {
  /** npm package name. */
  name: string;
  /** Its folder. */
  directory: string;
  /** Its version, when its package.json has one. */
  version: string | undefined;
  /** The `@tessera/core` range in its `peerDependencies`, when it declares one. */
  coreRange: string | undefined;
  /** Whether its package.json declares it a Tessera integration (`"tessera": { "integration": true }`). */
  declared: boolean;
}

/** True for a plain package name (`left-pad`, `@scope/name`), not a path or a subpath. */
export function isPackageName(name: string): boolean {
  const parts = splitPackageSpecifier(name);
  return parts !== undefined && parts.subpath === "." && parts.packageName === name;
}

/**
 * The package `name` as installed where the user runs: `node_modules/<name>` in `from` (the
 * current folder by default) or a folder above it, as Node resolves it; undefined when it is not
 * installed there or `name` is not a package name.
 */
export function findInstalledPackage(
  name: string,
  from: string = process.cwd(),
): InstalledPackage | undefined {
  if (!isPackageName(name)) return undefined;
  const directory = findPackageDirectory(name, from);
  if (directory === undefined) return undefined;
  let manifest: {
    name?: unknown;
    version?: unknown;
    peerDependencies?: Record<string, unknown>;
    tessera?: unknown;
  };
  try {
    manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
  const coreRange = manifest.peerDependencies?.["@tessera/core"];
  const declaration = manifest[integrationDeclarationField];
  return {
    name,
    directory,
    version: typeof manifest.version === "string" ? manifest.version : undefined,
    coreRange: typeof coreRange === "string" ? coreRange : undefined,
    declared:
      manifest.name === name &&
      typeof declaration === "object" &&
      declaration !== null &&
      (declaration as { integration?: unknown }).integration === true,
  };
}

/** One attempt per package and folder per process: an import is not retried. */
const attempts = new Map<string, Promise<void>>();

/**
 * Loads the integration package the store records for a block type, when this process has no
 * class for it, if and only if that package is installed where the user runs (resolved from
 * `process.cwd()`, never from a path read from the store) and its package.json declares it a
 * Tessera integration. Its core range is checked as on import (`INCOMPATIBLE_INTEGRATION`). When
 * it is not installed nothing happens, and the caller's `UNKNOWN_BLOCK_TYPE` names what to
 * install. Throws `INVALID_INTEGRATION` when it is installed but not declared an integration.
 */
export async function loadIntegrationForType(type: string, store: BlockStore): Promise<void> {
  const record = await store.getBlockType(type);
  const name = record?.package?.name;
  if (name === undefined || !isPackageName(name)) return;
  const from = process.cwd();
  const key = `${name}\n${from}`;
  let attempt = attempts.get(key);
  if (attempt === undefined) {
    attempt = loadInstalledIntegration(name, from);
    attempts.set(key, attempt);
  }
  await attempt;
}

async function loadInstalledIntegration(name: string, from: string): Promise<void> {
  const installed = findInstalledPackage(name, from);
  if (installed === undefined) return;
  if (!installed.declared) {
    throw new InvalidIntegrationError({
      specifier: name,
      reason: `it is installed at ${installed.directory}, but its package.json does not declare it a Tessera integration ("tessera": { "integration": true }), so it is not loaded on the store's word. Import it in your code, list it in tessera.config.json ("modules"), or install a version that declares itself.`,
    });
  }
  await importIntegration(name, from);
}
