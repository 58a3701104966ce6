/**
 * `@tessera/azure`: Tessera blocks for Azure Blob Storage — `AzureBlobStorageCredentials` and
 * `AzureBlobStorageContainer` (a `WritableFileSystem`, usable as result storage).
 *
 * Importing this module registers the block types and checks that the installed
 * `@tessera/core` is within the range in `peerDependencies`; it loads no Azure SDK module.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { AzureBlobStorageContainer } from "./azure-blob-storage-container.js";
import { AzureBlobStorageCredentials } from "./azure-blob-storage-credentials.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [AzureBlobStorageCredentials, AzureBlobStorageContainer],
});

export type { FolderTransferOptions, ListObjectsOptions } from "@tessera/core/provider";
export { AzureBlobStorageContainer, type CopyBlobOptions } from "./azure-blob-storage-container.js";
export {
  type AzureAuthenticationMode,
  AzureBlobStorageCredentials,
  type AzureBlobStorageCredentialsFields,
} from "./azure-blob-storage-credentials.js";
export * from "./errors/index.js";
