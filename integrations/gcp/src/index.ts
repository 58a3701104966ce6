/**
 * `@tessera/gcp`: Tessera blocks for Google Cloud — `GcpCredentials`, `GcsBucket` (a
 * `WritableFileSystem`, usable as result storage) and `GcpSecret` (a Secret Manager secret, usable
 * as a secret source).
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no Google Cloud client
 * library.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { GcpCredentials } from "./gcp-credentials.js";
import { GcpSecret } from "./gcp-secret.js";
import { GcsBucket } from "./gcs-bucket.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [GcpCredentials, GcsBucket, GcpSecret],
});

export type { FolderTransferOptions, ListObjectsOptions } from "@tessera/core/provider";
export * from "./errors/index.js";
export { GcpCredentials, type GcpCredentialsFields } from "./gcp-credentials.js";
export { type GcpReadSecretOptions, GcpSecret } from "./gcp-secret.js";
export { GcsBucket, type GcsCopyObjectOptions } from "./gcs-bucket.js";
export type { ServiceAccountKey } from "./service-account-key.js";
