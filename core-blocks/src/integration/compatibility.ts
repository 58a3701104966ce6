import semver from "semver";
import { IncompatibleIntegrationError } from "../errors/index.js";
import { thisCore } from "./core-copies.js";

/** The environment variable that turns the core-range check into a warning. */
const skipCompatCheckVariable = "TESSERA_SKIP_COMPAT_CHECK";

/**
 * True when the range includes the given core version. Pre-releases count (`^1.2.0` includes
 * `1.3.0-beta.1`), so a release candidate of core can be tried with the integrations it will
 * ship with.
 */
export function isCoreVersionInRange(coreVersion: string, coreRange: string): boolean {
  return semver.satisfies(coreVersion, coreRange, { includePrerelease: true });
}

/** True when `TESSERA_SKIP_COMPAT_CHECK` is set to `1` or `true`. */
export function isCompatCheckSkipped(): boolean {
  const value = process.env[skipCompatCheckVariable]?.trim().toLowerCase();
  return value === "1" || value === "true";
}

/**
 * The error for an integration whose declared core range excludes this core, or undefined when
 * the range includes it.
 */
export function incompatibility(integration: {
  name: string;
  version: string;
  coreRange: string;
}): IncompatibleIntegrationError | undefined {
  if (isCoreVersionInRange(thisCore.version, integration.coreRange)) return undefined;
  return new IncompatibleIntegrationError({
    integrationName: integration.name,
    integrationVersion: integration.version,
    requiredRange: integration.coreRange,
    coreVersion: thisCore.version,
    coreLocation: thisCore.location,
  });
}
