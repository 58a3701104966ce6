/**
 * `@tessera/snowflake`: Tessera blocks for Snowflake — `SnowflakeCredentials` (password, key-pair
 * or OAuth authentication, chosen explicitly).
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no snowflake-sdk module.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { SnowflakeCredentials } from "./snowflake-credentials.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [SnowflakeCredentials],
});

export * from "./errors/index.js";
export { type NormalizedPrivateKey, normalizePrivateKey } from "./private-key.js";
export {
  type SnowflakeConnectionOptions,
  SnowflakeCredentials,
  type SnowflakeCredentialsFields,
} from "./snowflake-credentials.js";
