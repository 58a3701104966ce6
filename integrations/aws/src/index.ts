/**
 * `@tessera/aws`: Tessera blocks for AWS — `AwsCredentials`, `S3Bucket` (a `WritableFileSystem`,
 * usable as result storage) and `AwsSecret` (a secret source backed by AWS Secrets Manager).
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no AWS SDK module.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { AwsCredentials } from "./aws-credentials.js";
import { AwsSecret } from "./aws-secret.js";
import { S3Bucket } from "./s3-bucket.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [AwsCredentials, S3Bucket, AwsSecret],
});

export type { FolderTransferOptions, ListObjectsOptions } from "@tessera/core/provider";
export {
  type AwsClientClass,
  AwsCredentials,
  type AwsCredentialsFields,
} from "./aws-credentials.js";
export { AwsSecret, type DeletedSecret, type DeleteSecretOptions } from "./aws-secret.js";
export * from "./errors/index.js";
export { type CopyObjectOptions, S3Bucket } from "./s3-bucket.js";
