import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import {
  DuplicateCoreError,
  InvalidInputError,
  InvalidIntegrationError,
  TesseraError,
} from "../errors/index.js";
import { type BlockStore, getDefaultStore } from "../store/index.js";
import {
  adoptBlockClass,
  type IntegrationBlockClass,
  isBlockClass,
  recordBlockTypes,
  withNestedClasses,
} from "./block-seam.js";
import { incompatibility, isCompatCheckSkipped } from "./compatibility.js";
import { thisCore } from "./core-copies.js";
import { type IntegrationManifest, isIntegrationManifest } from "./integration-manifest.js";
import { rememberIntegration } from "./loaded-integrations.js";
import { isPathSpecifier, type ResolvedModule, resolveModule } from "./resolve-package.js";

/** Options of `registerIntegration` and `registerModule`. */
export interface RegisterOptions {
  /** The store to record the block types in. @default getDefaultStore() */
  store?: BlockStore;
  /** The folder package names and relative paths are resolved from. @default process.cwd() */
  from?: string;
}

/** What `registerModule` found and registered. */
export interface RegisteredModule {
  /** The integration manifests the module exports. */
  integrations: IntegrationManifest[];
  /** Every block type slug registered, from manifests and from block classes exported directly. */
  blockTypes: string[];
}

/**
 * Imports an integration package by name, as an `import` in a file of the current folder would
 * (so the user's own `node_modules` is searched, with ESM conditions), or from the path of a
 * package's folder (its `exports`, else `main`; for an integration being developed), checks it
 * against this core, records each of its block types in the store with the package's name,
 * version and core range, and returns its manifest. `tessera block register -m <package>` calls it.
 *
 * Throws `INTEGRATION_NOT_FOUND` when the package is not installed, `INVALID_INTEGRATION` when it
 * exports no manifest, `INCOMPATIBLE_INTEGRATION` when its core range excludes this core and
 * `DUPLICATE_CORE` when it was built against another copy of `@tessera/core`.
 */
export async function registerIntegration(
  moduleName: string,
  options: RegisterOptions = {},
): Promise<IntegrationManifest> {
  refuseNonName(moduleName);
  const manifest = await importIntegration(moduleName, options.from ?? process.cwd());
  const store = options.store ?? (await getDefaultStore());
  await recordBlockTypes(manifest.blocks, store);
  return manifest;
}

/**
 * Imports an integration package (or a package's folder) the way `registerIntegration` does and
 * makes its block types known in this process, without recording anything in a store.
 */
export async function importIntegration(
  moduleName: string,
  from: string,
): Promise<IntegrationManifest> {
  const resolved = resolveModule(moduleName, from);
  if (resolved.packageDirectory !== undefined) checkDeclaredRange(resolved.packageDirectory);
  const exports = await importResolved(moduleName, resolved);
  const manifest = findManifests(exports)[0];
  if (manifest === undefined) {
    throw new InvalidIntegrationError({
      specifier: moduleName,
      reason:
        "it exports no integration manifest. An integration's src/index.ts exports `export const integration = defineIntegration({ ... })`; for a file of your own block classes use `tessera block register -f <file>`.",
    });
  }
  acceptManifest(manifest);
  return manifest;
}

/**
 * Imports a local module (a path, relative to the current folder by default) and registers what
 * it exports: integration manifests (checked like `registerIntegration`) and block classes made
 * with `defineBlock` (recorded without a defining package), with the block types nested in them.
 * `tessera block register -f <file>` calls it. Throws `INVALID_INTEGRATION` when the module
 * exports neither.
 */
export async function registerModule(
  file: string,
  options: RegisterOptions = {},
): Promise<RegisteredModule> {
  const path = isPathSpecifier(file) ? file : `./${file}`;
  const result = await importModule(path, options.from ?? process.cwd());
  const store = options.store ?? (await getDefaultStore());
  for (const manifest of result.integrations) await recordBlockTypes(manifest.blocks, store);
  await recordBlockTypes(result.looseBlocks, store);
  return { integrations: result.integrations, blockTypes: result.blockTypes };
}

/**
 * Imports a module (a path, or an installed package's name, resolved from `from`) and makes
 * the block classes it exports, and those nested in them, known in this process, without
 * recording anything in a store. Throws `INVALID_INTEGRATION` when it exports no block class.
 */
export async function importModule(
  specifier: string,
  from: string,
): Promise<RegisteredModule & { looseBlocks: IntegrationBlockClass[] }> {
  const resolved = resolveModule(specifier, from);
  if (resolved.packageDirectory !== undefined) checkDeclaredRange(resolved.packageDirectory);
  const exports = await importResolved(specifier, resolved);
  const manifests = findManifests(exports);
  const covered = new Set(withNestedClasses(manifests.flatMap((manifest) => manifest.blocks)));
  const looseBlocks = withNestedClasses(
    Object.values(exports).filter((value) => isBlockClass(value)),
  ).filter((blockClass) => !covered.has(blockClass));
  if (manifests.length === 0 && looseBlocks.length === 0) {
    throw new InvalidIntegrationError({
      specifier,
      reason:
        "it exports no block class (made with defineBlock) and no integration manifest (made with defineIntegration). Export them from the module, for example `export class MyBlock extends defineBlock({ ... }) {}`.",
    });
  }
  for (const manifest of manifests) acceptManifest(manifest);
  for (const blockClass of looseBlocks) adoptBlockClass(blockClass, undefined);
  return {
    integrations: manifests,
    looseBlocks,
    blockTypes: [
      ...manifests.flatMap((manifest) => manifest.blockTypes),
      ...looseBlocks.map((blockClass) => blockClass.type),
    ],
  };
}

/**
 * `registerIntegration` imports a package by its name; given anything else (most often the
 * manifest a package exports, which a type-unchecked caller passes) it says what it was given.
 */
function refuseNonName(moduleName: unknown): asserts moduleName is string {
  if (typeof moduleName === "string") return;
  if (isIntegrationManifest(moduleName)) {
    throw new InvalidInputError({
      subject: "moduleName",
      message: `registerIntegration() takes the name of an integration's package, but was given the manifest of "${moduleName.name}". Pass the name instead: registerIntegration(${JSON.stringify(moduleName.name)}).`,
    });
  }
  const what =
    moduleName === null ? "null" : Array.isArray(moduleName) ? "a list" : `a ${typeof moduleName}`;
  throw new InvalidInputError({
    subject: "moduleName",
    message: `registerIntegration() takes the name of an integration's package as a string, such as registerIntegration("@tessera/aws"), but was given ${what}.`,
  });
}

/**
 * Checks the core range a package declares in its package.json before importing it: a package
 * written against a newer core can fail while its imports are linked (a missing export), before
 * its manifest runs, and the user should see what to install rather than a link error.
 */
function checkDeclaredRange(packageDirectory: string): void {
  let packageJson: {
    name?: unknown;
    version?: unknown;
    peerDependencies?: Record<string, unknown>;
  };
  try {
    packageJson = JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8"));
  } catch {
    return;
  }
  const coreRange = packageJson.peerDependencies?.["@tessera/core"];
  if (
    typeof packageJson.name !== "string" ||
    typeof packageJson.version !== "string" ||
    typeof coreRange !== "string" ||
    semver.validRange(coreRange) === null
  ) {
    return;
  }
  const problem = incompatibility({
    name: packageJson.name,
    version: packageJson.version,
    coreRange,
  });
  if (problem !== undefined && !isCompatCheckSkipped()) throw problem;
}

async function importResolved(
  specifier: string,
  resolved: ResolvedModule,
): Promise<Record<string, unknown>> {
  try {
    return (await import(resolved.url)) as Record<string, unknown>;
  } catch (error) {
    if (TesseraError.isInstance(error)) throw error;
    throw new InvalidIntegrationError({
      specifier,
      reason: `importing ${resolved.file} failed (${(error instanceof Error ? error.message : String(error)).replace(/\.$/, "")}). Fix the module (a syntax error, a missing dependency) so that it imports cleanly, then register it again.`,
    });
  }
}

function findManifests(exports: Record<string, unknown>): IntegrationManifest[] {
  const preferred = [exports.integration, exports.default];
  const all = [...preferred, ...Object.values(exports)].filter(isIntegrationManifest);
  return [...new Set(all)];
}

/**
 * A manifest built by this copy of core was already checked against it by `defineIntegration` at
 * import; one built by another copy lives in that copy's registry, which this one cannot see.
 */
function acceptManifest(manifest: IntegrationManifest): void {
  if (manifest.core.location !== thisCore.location) {
    throw new DuplicateCoreError({
      subject: `${manifest.name}@${manifest.version}`,
      current: thisCore,
      other: manifest.core,
    });
  }
  rememberIntegration(manifest);
}
