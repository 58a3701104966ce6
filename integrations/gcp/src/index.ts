/**
 * `@tessera/gcp`: Tessera blocks for Google Cloud — `GcpCredentials`.
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no Google Cloud client
 * library.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { GcpCredentials } from "./gcp-credentials.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [GcpCredentials],
});

export * from "./errors/index.js";
export { GcpCredentials, type GcpCredentialsFields } from "./gcp-credentials.js";
export type { ServiceAccountKey } from "./service-account-key.js";
