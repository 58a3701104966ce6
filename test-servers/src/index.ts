/**
 * Throwaway servers, wire-protocol emulators and the fault proxy for Tessera's tests. Each starts
 * on a free loopback port (`listenOnLoopback`) and stops with its `stop()`; none needs the
 * internet or a cloud account.
 *
 * s3rver needs Node's `--openssl-legacy-provider` (its list continuation tokens use DES): a vitest
 * project that starts it passes the flag through `execArgv`.
 */
export { emulatorCredentials, freshFolder } from "./aws-fixtures.js";
export { AZURITE_ACCOUNT, type Azurite, type AzuriteOptions, startAzurite } from "./azurite.js";
export { errorOf, thrownBy } from "./errors.js";
export {
  type FaultAction,
  type FaultProxy,
  type FaultRule,
  jsonErrorResponse,
  type ProxiedRequest,
  s3ErrorResponse,
  startFaultProxy,
} from "./fault-proxy.js";
export {
  AWS_SDK_MODULES,
  AZURE_SDK_MODULES,
  type ForbiddenModules,
  forbiddenModulesEnvironment,
  forbidModulesPreload,
  type ImportOutcome,
  importWithoutModules,
} from "./forbid-modules.js";
export {
  crc32cNumber,
  type GcpSecretManager,
  type GcpSecretManagerOptions,
  type GcpSecretManagerRequest,
  type GcpSecretVersionState,
  startGcpSecretManager,
} from "./gcp-secret-manager.js";
export {
  crc32cBase64,
  type GcsEmulator,
  type GcsEmulatorOptions,
  type GcsRequest,
  googleErrorResponse,
  startGcsEmulator,
} from "./gcs.js";
export { type GcsEmulatorProcess, startGcsEmulatorProcess } from "./gcs-process.js";
export { closeServer, listenOnLoopback } from "./loopback.js";
export { ensurePackageBuilt } from "./package-build.js";
export { type ReadmeOpening, readReadmeOpening, runExample } from "./readme-example.js";
export {
  S3RVER_CREDENTIALS,
  type S3Server,
  type S3ServerOptions,
  startS3Server,
} from "./s3-server.js";
export {
  type SecretsManagerEmulator,
  type SecretsManagerEmulatorOptions,
  startSecretsManagerEmulator,
} from "./secrets-manager.js";
export {
  type SlackChannel,
  type SlackDelivery,
  type SlackEmulator,
  type SlackEmulatorOptions,
  type SlackFault,
  startSlackEmulator,
} from "./slack.js";
export {
  type SnowflakeEmulator,
  type SnowflakeEmulatorOptions,
  type SnowflakeEmulatorUser,
  type SnowflakeExecution,
  type SnowflakeSessionInfo,
  startSnowflakeEmulator,
} from "./snowflake.js";
export {
  type StsEmulator,
  type StsEmulatorOptions,
  type StsRequest,
  startStsEmulator,
} from "./sts.js";
