import type { BlobServiceClient, StoragePipelineOptions } from "@azure/storage-blob";
import { defineBlock, type SaveBlockOptions, secret, z } from "@tessera/core";
import { ClientCache } from "@tessera/core/provider";
import {
  accountNameOf,
  isBase64Key,
  normalizeSasToken,
  parseConnectionString,
  sasTokenProblem,
} from "./connection-string.js";
import { AzureCredentialsInvalidError } from "./errors/index.js";
import { loadBlobSdk, loadIdentitySdk } from "./lazy-sdk.js";
import { sasPolicyFactory } from "./sas-policy.js";

/** How the SDK's clients retry (the storage retry policy, exponential backoff). */
const retryOptionsSchema = z.object({
  /** Attempts per request, the first one included. @default 4 (the SDK's) */
  maxTries: z.number().int().min(1).max(20).optional(),
  /** Delay before the first retry, doubled on each next one, in ms. @default 4000 (the SDK's) */
  retryDelayInMs: z.number().int().min(0).max(600_000).optional(),
  /** Longest delay between retries, in ms. @default 120000 (the SDK's) */
  maxRetryDelayInMs: z.number().int().min(0).max(3_600_000).optional(),
  /**
   * Longest time one attempt may take, in ms; a slower one is abandoned and retried.
   * @default undefined (the service's own timeout)
   */
  tryTimeoutInMs: z.number().int().positive().optional(),
});

/** The ways to authenticate, each from its own fields. */
export type AzureAuthenticationMode =
  | "connection-string"
  | "account-key"
  | "sas-token"
  | "service-principal"
  | "default-identity";

/** The fields that select each mode (`accountUrl` is shared by all but the connection string). */
const modeFields = {
  "connection-string": ["connectionString"],
  "account-key": ["accountKey", "accountName"],
  "sas-token": ["sasToken"],
  "service-principal": ["tenantId", "clientId", "clientSecret", "authorityHost"],
} as const;

const servicePrincipalFields = ["tenantId", "clientId", "clientSecret"] as const;

const azureBlobStorageCredentialsSchema = z
  .object({
    /**
     * A storage account's connection string (`DefaultEndpointsProtocol=https;AccountName=…;
     * AccountKey=…` or `BlobEndpoint=…;SharedAccessSignature=…`). Checked when the block is saved:
     * a malformed one, or one that names no account, is refused then. Encrypted at rest.
     * @default undefined
     */
    connectionString: secret().optional(),
    /**
     * The account's blob endpoint, such as `https://acme.blob.core.windows.net`. With
     * `accountKey`, `sasToken` or the service principal fields it says where; alone, requests
     * authenticate as the machine's own identity (`DefaultAzureCredential`).
     * @default undefined
     */
    accountUrl: z
      .url({ protocol: /^https?$/ })
      .refine((url) => !url.includes("?") && !url.includes("#"), {
        message: "give the account URL without a query; a shared access signature goes in sasToken",
      })
      .optional(),
    /**
     * The storage account's name, for `accountKey`.
     * @default undefined (read from accountUrl: its first host label, or its first path segment for an IP address as Azurite's)
     */
    accountName: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, "3-24 lower-case letters and digits")
      .optional(),
    /** One of the account's access keys (base64), with `accountUrl`. Encrypted at rest. @default undefined */
    accountKey: secret().optional(),
    /**
     * A shared access signature (`sv=…&sig=…`, with or without the leading `?`), with
     * `accountUrl`. Sent as the credential of each request, never joined to a path. Encrypted at
     * rest.
     * @default undefined
     */
    sasToken: secret().optional(),
    /** Directory (tenant) id of a service principal, with `clientId` and `clientSecret`. @default undefined */
    tenantId: z.string().min(1).optional(),
    /** Application (client) id of a service principal. @default undefined */
    clientId: z.string().min(1).optional(),
    /** Client secret of the service principal. Encrypted at rest. @default undefined */
    clientSecret: secret().optional(),
    /**
     * Microsoft Entra authority of the service principal, for national clouds
     * (`https://login.chinacloudapi.cn`).
     * @default undefined (`https://login.microsoftonline.com`)
     */
    authorityHost: z.url({ protocol: /^https$/ }).optional(),
    /** Retries of the SDK's clients. @default {} (the SDK's) */
    retryOptions: retryOptionsSchema.prefault({}),
  })
  .superRefine((fields, context) => {
    const given = (name: string) => (fields as Record<string, unknown>)[name] !== undefined;
    const chosen = Object.entries(modeFields).filter(([, names]) => names.some(given));
    if (chosen.length > 1) {
      const named = chosen.flatMap(([, names]) => names.filter(given));
      context.addIssue({
        code: "custom",
        path: [named[0] as string],
        message: `${named.join(", ")} are different ways to authenticate; keep the fields of one: connectionString; accountUrl + accountKey; accountUrl + sasToken; accountUrl + tenantId, clientId and clientSecret; or accountUrl alone for the machine's identity`,
      });
      return;
    }
    const mode = chosen[0]?.[0];
    if (mode === "connection-string") {
      if (fields.accountUrl !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["accountUrl"],
          message:
            "the connection string already names the account's endpoint; remove accountUrl (or the connection string)",
        });
      }
      return;
    }
    if (mode === "service-principal") {
      const missing = servicePrincipalFields.filter((name) => !given(name));
      if (missing.length > 0) {
        context.addIssue({
          code: "custom",
          path: [missing[0] as string],
          message: `a service principal needs tenantId, clientId and clientSecret together; ${missing.join(", ")} missing`,
        });
      }
    }
    if (fields.accountUrl === undefined) {
      context.addIssue({
        code: "custom",
        path: ["accountUrl"],
        message:
          mode === undefined
            ? "choose one way to authenticate: connectionString; accountUrl + accountKey; accountUrl + sasToken; accountUrl + tenantId, clientId and clientSecret; or accountUrl alone for the machine's identity"
            : `${modeFields[mode as keyof typeof modeFields].filter(given).join(", ")} need${mode === "account-key" || mode === "sas-token" ? "s" : ""} accountUrl, the account's blob endpoint`,
      });
      return;
    }
    if (
      mode === "account-key" &&
      fields.accountName === undefined &&
      accountNameOf(fields.accountUrl) === undefined
    ) {
      context.addIssue({
        code: "custom",
        path: ["accountName"],
        message: "the account name cannot be read from accountUrl; give accountName",
      });
    }
  });

/** The fields of an `azure-blob-storage-credentials` block, as parsed. */
export type AzureBlobStorageCredentialsFields = z.output<typeof azureBlobStorageCredentialsSchema>;

/** Service clients made so far, per credentials (see `getBlobServiceClient`). */
const clients = new ClientCache();

/**
 * `azure-blob-storage-credentials`: how to reach an Azure Storage account's Blob service. Exactly
 * one way to authenticate, chosen by the fields given, never by a silent precedence; giving the
 * fields of two ways is refused, naming them:
 *
 * - `connectionString` (secret), checked when saved;
 * - `accountUrl` + `accountKey` (secret; `accountName` read from the URL unless given);
 * - `accountUrl` + `sasToken` (secret; sent as each request's credential);
 * - `accountUrl` + `tenantId`, `clientId`, `clientSecret` (secret): a service principal;
 * - `accountUrl` alone: the machine's own identity (`DefaultAzureCredential`: environment,
 *   workload identity, managed identity, Azure CLI).
 *
 * ```ts
 * const credentials = new AzureBlobStorageCredentials({ accountUrl: "https://acme.blob.core.windows.net" });
 * const service = await credentials.getBlobServiceClient();
 * ```
 */
export class AzureBlobStorageCredentials extends defineBlock({
  type: "azure-blob-storage-credentials",
  title: "Azure Blob Storage credentials",
  description:
    "How to reach an Azure Storage account: a connection string, an account key, a SAS token, a service principal, or the machine's own identity.",
  schema: azureBlobStorageCredentialsSchema,
}) {
  /** Which way these credentials authenticate. */
  get authenticationMode(): AzureAuthenticationMode {
    if (this.connectionString !== undefined) return "connection-string";
    if (this.accountKey !== undefined) return "account-key";
    if (this.sasToken !== undefined) return "sas-token";
    if (this.clientSecret !== undefined) return "service-principal";
    return "default-identity";
  }

  /**
   * Saves the block after checking what only its secrets tell: that the connection string parses
   * and names an account, that the account key is base64 and that the SAS token has the shape of
   * one. A failure is `AZURE_CREDENTIALS_INVALID` (or `VALIDATION_FAILED`), never with the
   * secret in it.
   */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    await this.checkSecrets();
    return super.save(name, options);
  }

  /**
   * Checks the secret fields' contents (see `save`). Called on save and before the first client;
   * a secret held as a reference is checked through its current value.
   */
  async checkSecrets(): Promise<void> {
    await this.#resolveEndpointAndCredential();
  }

  /** The blob endpoint, and how requests authenticate, from the revealed secrets. */
  async #resolveEndpointAndCredential(): Promise<
    | { blobEndpoint: string; kind: "account-key"; accountName: string; accountKey: string }
    | { blobEndpoint: string; kind: "sas-token"; sasToken: string }
    | { blobEndpoint: string; kind: "service-principal"; clientSecret: string }
    | { blobEndpoint: string; kind: "default-identity" }
  > {
    if (this.connectionString !== undefined) {
      const connectionString = await this.connectionString.reveal();
      const parsed = parseConnectionString(connectionString);
      return parsed;
    }
    const blobEndpoint = (this.accountUrl as string).replace(/\/+$/, "");
    if (this.accountKey !== undefined) {
      const accountKey = await this.accountKey.reveal();
      if (!isBase64Key(accountKey)) {
        throw invalidSecret("accountKey", "it is not base64 (copy key1 or key2 of the account)");
      }
      const accountName = this.accountName ?? (accountNameOf(blobEndpoint) as string);
      return { blobEndpoint, kind: "account-key", accountName, accountKey };
    }
    if (this.sasToken !== undefined) {
      const sasToken = await this.sasToken.reveal();
      const problem = sasTokenProblem(sasToken);
      if (problem !== undefined) throw invalidSecret("sasToken", problem);
      return { blobEndpoint, kind: "sas-token", sasToken: normalizeSasToken(sasToken) };
    }
    if (this.clientSecret !== undefined) {
      return {
        blobEndpoint,
        kind: "service-principal",
        clientSecret: await this.clientSecret.reveal(),
      };
    }
    return { blobEndpoint, kind: "default-identity" };
  }

  /** The pipeline options of every client made from these credentials (retries, keep-alive). */
  pipelineOptions(): StoragePipelineOptions {
    const retry = this.retryOptions;
    const retryOptions = Object.fromEntries(
      Object.entries(retry).filter(([, value]) => value !== undefined),
    );
    return Object.keys(retryOptions).length === 0 ? {} : { retryOptions };
  }

  /**
   * The Blob service client of these credentials (imports `@azure/storage-blob`, and
   * `@azure/identity` for a service principal or the machine's identity, on first use). Clients
   * are cached per credentials: equal credentials share one client and its connections.
   */
  getBlobServiceClient(): Promise<BlobServiceClient> {
    return clients.get(this, AzureBlobStorageCredentials, async () => {
      const sdk = await loadBlobSdk();
      const resolved = await this.#resolveEndpointAndCredential();
      const options = this.pipelineOptions();
      switch (resolved.kind) {
        case "account-key":
          return new sdk.BlobServiceClient(
            resolved.blobEndpoint,
            sdk.newPipeline(
              new sdk.StorageSharedKeyCredential(resolved.accountName, resolved.accountKey),
              options,
            ),
          );
        case "sas-token":
          return new sdk.BlobServiceClient(
            resolved.blobEndpoint,
            new sdk.Pipeline([sasPolicyFactory(resolved.sasToken)], options),
          );
        case "service-principal": {
          const { ClientSecretCredential } = await loadIdentitySdk();
          const credential = new ClientSecretCredential(
            this.tenantId as string,
            this.clientId as string,
            resolved.clientSecret,
            // A national or private cloud's authority is not in Microsoft's public instance list.
            this.authorityHost === undefined
              ? {}
              : { authorityHost: this.authorityHost, disableInstanceDiscovery: true },
          );
          return new sdk.BlobServiceClient(
            resolved.blobEndpoint,
            sdk.newPipeline(credential, options),
          );
        }
        case "default-identity": {
          const { DefaultAzureCredential } = await loadIdentitySdk();
          return new sdk.BlobServiceClient(
            resolved.blobEndpoint,
            sdk.newPipeline(new DefaultAzureCredential(), options),
          );
        }
      }
    });
  }

  /** The SAS token these credentials authenticate with, if they use one (for copy sources). */
  async sasTokenInUse(): Promise<string | undefined> {
    const resolved = await this.#resolveEndpointAndCredential();
    return resolved.kind === "sas-token" ? resolved.sasToken : undefined;
  }
}

function invalidSecret(field: string, problem: string): AzureCredentialsInvalidError {
  return new AzureCredentialsInvalidError({ field, reason: problem });
}
