import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TesseraError } from "../../errors/index.js";
import type { CliContext } from "../context.js";

/** One installed integration, as `tessera integrations --json` prints it. */
interface InstalledIntegration {
  /** npm package name. */
  name: string;
  /** Installed version (from its package.json), or null when it is not installed here. */
  version: string | null;
  /** Its declared `@tessera/core` range (`peerDependencies`), or null when unknown. */
  coreRange: string | null;
  /** Whether the range includes this core. */
  compatible: boolean;
  /**
   * Whether its package.json declares it a Tessera integration (`"tessera": { "integration": true }`),
   * so it loads itself when a stored type needs it.
   */
  declared: boolean;
  /** Whether importing it worked. */
  loaded: boolean;
  /** Block types it defines (when loaded), else those the store records for it. */
  blockTypes: string[];
  /**
   * Whether it was built by the same copy of `@tessera/core` as the CLI's (null when not loaded).
   * False means two copies of core are installed and its blocks live in the other copy's registry.
   */
  sameCore: boolean | null;
  /** The version the store recorded when its types were registered, or null. */
  registeredVersion: string | null;
  /** The error code and message when it is missing or failed to load. */
  problem: { code: string; message: string } | null;
}

interface PackageManifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readManifest(file: string): PackageManifest | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackageManifest;
  } catch {
    return undefined;
  }
}

/**
 * Package names that may be integrations: dependencies of the nearest package.json, packages in
 * `node_modules/@tessera/`, and packages the store recorded as defining block types. Only those
 * installed here that declare themselves integrations (or a `@tessera/core` peer range), and
 * those the store records, are listed; only installed ones that declare themselves are imported.
 */
function candidateNames(from: string, recorded: Iterable<string>): string[] {
  const names = new Set<string>(recorded);
  for (let directory = from; ; directory = dirname(directory)) {
    const manifest = readManifest(join(directory, "package.json"));
    if (manifest) {
      for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
        names.add(name);
      }
      break;
    }
    if (dirname(directory) === directory) break;
  }
  for (let directory = from; ; directory = dirname(directory)) {
    const scope = join(directory, "node_modules", "@tessera");
    if (existsSync(scope)) {
      for (const entry of readdirSync(scope)) names.add(`@tessera/${entry}`);
    }
    if (dirname(directory) === directory) break;
  }
  names.delete("@tessera/core");
  return [...names].sort();
}

/** `tessera integrations`. */
export async function integrationsCommand(
  context: CliContext,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const integration = await import("../../integration/index.js");
  const recordedTypes = await store.listBlockTypes();
  const recorded = new Map<string, { version: string; types: string[] }>();
  const { findInstalledPackage, isPackageName } = await import("../../integration/auto-load.js");
  for (const record of recordedTypes) {
    // A recorded name that is not a package name (a path, say) is never looked up or printed.
    if (!record.package || !isPackageName(record.package.name)) continue;
    const entry = recorded.get(record.package.name) ?? {
      version: record.package.version,
      types: [],
    };
    entry.types.push(record.type);
    recorded.set(record.package.name, entry);
  }
  const from = process.cwd();
  const { importIntegration } = await import("../../integration/register-integration.js");
  const results: InstalledIntegration[] = [];
  for (const name of candidateNames(from, recorded.keys())) {
    const installed = findInstalledPackage(name, from);
    const coreRange = installed?.coreRange ?? null;
    const stored = recorded.get(name);
    if (!stored && !installed?.declared && coreRange === null) continue;
    const result: InstalledIntegration = {
      name,
      version: installed?.version ?? null,
      coreRange,
      compatible:
        coreRange !== null && integration.isCoreVersionInRange(integration.coreVersion, coreRange),
      declared: installed?.declared ?? false,
      loaded: false,
      sameCore: null,
      blockTypes: stored?.types ?? [],
      registeredVersion: stored?.version ?? null,
      problem: null,
    };
    if (!installed) {
      result.problem = {
        code: "INTEGRATION_NOT_FOUND",
        message: `${name} defines block types in the store but is not installed here: npm install ${name}.`,
      };
    } else if (!installed.declared) {
      result.problem = {
        code: "INVALID_INTEGRATION",
        message: `${name} is installed but its package.json does not declare it a Tessera integration ("tessera": { "integration": true }), so it is not loaded on its own; import it in your code or list it in tessera.config.json ("modules").`,
      };
    } else {
      try {
        await importIntegration(name, from);
        result.loaded = true;
      } catch (error) {
        result.problem = TesseraError.isInstance(error)
          ? { code: error.code, message: error.message }
          : { code: "UNEXPECTED", message: error instanceof Error ? error.message : String(error) };
      }
    }
    results.push(result);
  }
  for (const status of integration.listIntegrations()) {
    const result = results.find((entry) => entry.name === status.name);
    if (result) {
      result.blockTypes = status.blockTypes;
      result.compatible = status.compatible;
      result.sameCore = status.sameCore;
    }
  }
  const duplicates = integration.duplicateCores();
  const { output } = context;
  if (options.json) {
    output.json({
      core: { version: integration.coreVersion },
      integrations: results,
      duplicateCores: duplicates,
    });
    return;
  }
  const { green, red, yellow, dim } = output.colors;
  output.line(dim(`@tessera/core ${integration.coreVersion}`));
  if (results.length === 0) {
    output.line(
      "No integrations are installed here. Install one (npm install @tessera/aws) and register it with `tessera block register -m @tessera/aws`.",
    );
  } else {
    output.table(
      ["PACKAGE", "VERSION", "CORE RANGE", "COMPATIBLE", "BLOCK TYPES"],
      results.map((result) => [
        result.name,
        result.version ?? red("not installed"),
        result.coreRange ?? "-",
        result.compatible ? green("yes") : red("no"),
        result.blockTypes.join(", ") || "-",
      ]),
    );
    for (const result of results) {
      if (result.sameCore === false) {
        output.line(
          yellow(
            `${result.name}: built against another copy of @tessera/core; its block types are unknown to this one.`,
          ),
        );
      }
      if (result.problem)
        output.line(yellow(`${result.name}: ${result.problem.code}: ${result.problem.message}`));
    }
  }
  if (duplicates.length > 0) {
    output.line();
    output.line(red(integration.describeDuplicateCores(duplicates)));
  } else {
    output.line(dim("One copy of @tessera/core is loaded."));
  }
}
