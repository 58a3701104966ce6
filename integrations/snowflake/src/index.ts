/**
 * `@tessera/snowflake`: Tessera blocks for Snowflake — `SnowflakeCredentials` (password, key-pair
 * or OAuth authentication, chosen explicitly) and `SnowflakeConnector` (typed rows, streaming,
 * transactions, query results persisted to storage).
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no snowflake-sdk module.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { SnowflakeConnector } from "./snowflake-connector.js";
import { SnowflakeCredentials } from "./snowflake-credentials.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [SnowflakeCredentials, SnowflakeConnector],
});

export * from "./errors/index.js";
export { type NormalizedPrivateKey, normalizePrivateKey } from "./private-key.js";
export {
  type PersistQueryOptions,
  type SnowflakeBinds,
  SnowflakeConnector,
  type SnowflakeRow,
  type SnowflakeTransaction,
} from "./snowflake-connector.js";
export {
  type SnowflakeConnectionOptions,
  SnowflakeCredentials,
  type SnowflakeCredentialsFields,
} from "./snowflake-credentials.js";
