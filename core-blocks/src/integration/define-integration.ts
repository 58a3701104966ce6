import { IncompatibleIntegrationError, InvalidIntegrationError } from "../errors/index.js";
import { integrationMarkerKey } from "../protocol/index.js";
import { adoptBlockClass } from "./block-seam.js";
import { incompatibility, isCompatCheckSkipped } from "./compatibility.js";
import { announceCore, thisCore } from "./core-copies.js";
import {
  type IntegrationDefinition,
  type IntegrationManifest,
  integrationDefinitionSchema,
} from "./integration-manifest.js";
import { rememberIntegration } from "./loaded-integrations.js";
import { warn } from "./warn.js";

/**
 * Declares an integration package: its name, version, the `@tessera/core` range it supports and
 * its block classes. Call it once, at the top level of the package's `src/index.ts`, with values
 * read from the package's own package.json, and export the result as `integration`:
 *
 * ```ts
 * import { defineIntegration } from "@tessera/core";
 * import packageJson from "../package.json" with { type: "json" };
 * import { AwsCredentials } from "./aws-credentials.js";
 *
 * export const integration = defineIntegration({
 *   name: packageJson.name,
 *   version: packageJson.version,
 *   coreRange: packageJson.peerDependencies["@tessera/core"],
 *   blocks: [AwsCredentials],
 * });
 * ```
 *
 * Because it runs at import, importing an integration whose range excludes the installed core
 * throws `IncompatibleIntegrationError` (`INCOMPATIBLE_INTEGRATION`) naming the package, the range,
 * the installed core and what to install instead. `TESSERA_SKIP_COMPAT_CHECK=1` turns that into a
 * warning on stderr. Each block class is tagged with the package (recorded on every document it
 * saves) and registered, so `loadBlock("<type>/<name>")` finds it.
 *
 * Throws `INVALID_INTEGRATION` for a malformed name, version or range, and `DUPLICATE_CORE` when a
 * block class was made by another copy of `@tessera/core` than this one.
 */
export function defineIntegration(definition: IntegrationDefinition): IntegrationManifest {
  announceCore();
  const parsed = integrationDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    const name =
      typeof (definition as { name?: unknown } | undefined)?.name === "string"
        ? (definition as { name: string }).name
        : "(unnamed integration)";
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "definition"} ${issue.message}`)
      .join("; ");
    throw new InvalidIntegrationError({
      specifier: name,
      reason: `defineIntegration was called with ${problems}. Pass the values of the package's package.json (name, version, peerDependencies["@tessera/core"]).`,
    });
  }
  const { name, version, coreRange, blocks } = parsed.data;
  const problem = incompatibility({ name, version, coreRange });
  if (problem !== undefined) {
    if (!isCompatCheckSkipped()) throw problem;
    warn(`${problem.code}: ${IncompatibleIntegrationError.describe(problem, { skipped: true })}`);
  }
  const definingPackage = { name, version, coreRange };
  for (const blockClass of blocks) adoptBlockClass(blockClass, definingPackage);
  const manifest: IntegrationManifest = Object.freeze({
    name,
    version,
    coreRange,
    blocks: Object.freeze([...blocks]),
    blockTypes: Object.freeze(blocks.map((blockClass) => blockClass.type)),
    core: thisCore,
    compatible: problem === undefined,
    [integrationMarkerKey]: true as const,
  });
  rememberIntegration(manifest);
  return manifest;
}
