import { loadedIntegrationsKey } from "../protocol/index.js";
import { isCoreVersionInRange } from "./compatibility.js";
import { thisCore } from "./core-copies.js";
import type { IntegrationManifest } from "./integration-manifest.js";
import { warn } from "./warn.js";

/**
 * The integrations loaded in this process, by package name. Kept on `globalThis` under a
 * `Symbol.for` key so that every copy of core sees every integration (and can report a split).
 */

function loaded(): Map<string, IntegrationManifest> {
  const holder = globalThis as unknown as Record<symbol, Map<string, IntegrationManifest>>;
  holder[loadedIntegrationsKey] ??= new Map();
  return holder[loadedIntegrationsKey];
}

/** Remembers a manifest; warns when another version of the same package was loaded before. */
export function rememberIntegration(manifest: IntegrationManifest): void {
  const integrations = loaded();
  const previous = integrations.get(manifest.name);
  if (previous !== undefined && previous !== manifest && previous.version !== manifest.version) {
    warn(
      `${manifest.name} is loaded twice, as ${previous.version} and ${manifest.version}; block types now come from ${manifest.version}. Check with \`npm ls ${manifest.name}\` and keep one version.`,
    );
  }
  integrations.set(manifest.name, manifest);
}

/** One loaded integration, as `listIntegrations` reports it. */
export interface IntegrationStatus {
  /** npm package name. */
  name: string;
  /** Installed version of the package. */
  version: string;
  /** The `@tessera/core` range it declares. */
  coreRange: string;
  /** The block type slugs it defines. */
  blockTypes: string[];
  /** Version of the `@tessera/core` it is checked against (this copy). */
  coreVersion: string;
  /** Whether `coreRange` includes `coreVersion`. */
  compatible: boolean;
  /**
   * Whether it was built by this copy of core. False means two copies of core are loaded and its
   * blocks are registered in the other copy's registry.
   */
  sameCore: boolean;
  /** The copy of core that built its manifest. */
  builtBy: { version: string; location: string };
}

/** Every integration loaded in this process (imported or registered), ordered by name. */
export function listIntegrations(): IntegrationStatus[] {
  return [...loaded().values()]
    .map((manifest) => ({
      name: manifest.name,
      version: manifest.version,
      coreRange: manifest.coreRange,
      blockTypes: [...manifest.blockTypes],
      coreVersion: thisCore.version,
      compatible: isCoreVersionInRange(thisCore.version, manifest.coreRange),
      sameCore: manifest.core.location === thisCore.location,
      builtBy: { version: manifest.core.version, location: manifest.core.location },
    }))
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
}
