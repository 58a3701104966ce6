import semver from "semver";
import { z } from "zod";
import type { CoreCopy } from "../errors/index.js";
import { integrationMarkerKey } from "../protocol/index.js";
import { type IntegrationBlockClass, isBlockClass } from "./block-seam.js";

/** npm package names: lower case, optional scope, URL-safe characters. */
const packageNamePattern = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** What an integration package passes to `defineIntegration`. */
export const integrationDefinitionSchema = z.object({
  /**
   * The npm package name, such as `@tessera/aws`. Pass `packageJson.name` (a JSON import of the
   * package's own package.json), never a literal.
   */
  name: z
    .string()
    .max(214)
    .regex(packageNamePattern, "must be an npm package name such as @tessera/aws"),
  /** The package version (semver). Pass `packageJson.version`. */
  version: z.string().refine((value) => semver.valid(value) !== null, {
    message: "must be a semver version such as 1.4.0",
  }),
  /**
   * The `@tessera/core` versions the package works with (a semver range). Pass
   * `packageJson.peerDependencies["@tessera/core"]`: the peer range is the one source of truth.
   */
  coreRange: z.string().refine((value) => semver.validRange(value) !== null, {
    message: 'must be a semver range such as "^1.2.0"',
  }),
  /** The block classes the package defines (each made with `defineBlock`). */
  blocks: z
    .array(
      z.custom<IntegrationBlockClass>(isBlockClass, {
        message: "must be a block class made with defineBlock",
      }),
    )
    .readonly(),
});

/** What an integration package passes to `defineIntegration`. */
export type IntegrationDefinition = z.input<typeof integrationDefinitionSchema>;

/** An integration package's manifest, as `defineIntegration` returns it. Frozen. */
export type IntegrationManifest = Readonly<z.output<typeof integrationDefinitionSchema>> & {
  /** The block type slugs the integration defines, in the order of `blocks`. */
  readonly blockTypes: readonly string[];
  /** The copy of `@tessera/core` that built the manifest (version and location). */
  readonly core: Readonly<CoreCopy>;
  /**
   * Whether `coreRange` includes that core's version. Only false when
   * `TESSERA_SKIP_COMPAT_CHECK=1` let an incompatible integration load.
   */
  readonly compatible: boolean;
  readonly [integrationMarkerKey]: true;
};

/** True for a manifest made by `defineIntegration`, by this copy of core or another one. */
export function isIntegrationManifest(value: unknown): value is IntegrationManifest {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[integrationMarkerKey] === true &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
