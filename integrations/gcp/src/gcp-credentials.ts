import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import type { Storage } from "@google-cloud/storage";
import { defineBlock, secret, z } from "@tessera/core";
import { ClientCache, fingerprint } from "@tessera/core/provider";
import { loadSecretManagerSdk, loadStorageSdk } from "./lazy-sdk.js";
import {
  parseServiceAccountInfo,
  readServiceAccountFile,
  type ServiceAccountKey,
  serviceAccountKeyProblem,
} from "./service-account-key.js";

/** How the clients made from the credentials retry and time out. */
const clientOptionsSchema = z.object({
  /**
   * Retries of a failed request (408, 429, 5xx and connection errors); 403 and 404 are never
   * retried. Uploads are retried only with a generation precondition, which `GcsBucket` always
   * sends, so a retry cannot overwrite a newer object.
   * @default 3 (the client library's default)
   */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /**
   * Factor by which the wait grows between retries (the first wait is about one second).
   * @default 2 (the client library's default)
   */
  retryDelayMultiplier: z.number().min(1).max(10).default(2),
  /** Longest wait between two retries, in seconds (at least 1). @default 64 (the client library's default) */
  maxRetryDelaySeconds: z.number().min(1).max(3600).default(64),
  /**
   * Seconds after which a request and its retries give up.
   * @default 600 (the client library's default)
   */
  totalTimeoutSeconds: z.number().positive().max(86_400).default(600),
});

/** A Google Cloud project id, such as `my-project-123` (or a domain-scoped `example.com:project`). */
export const projectIdSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z][a-z0-9.:-]{4,60}[a-z0-9]$/,
    "must be a Google Cloud project id, such as my-project-123",
  );

/** A URL of an endpoint: `http(s)://host[:port]`. */
const endpointSchema = z.url({ protocol: /^https?$/ });

const gcpCredentialsSchema = z
  .object({
    /**
     * A service-account key: the JSON object of a key file, or its text as downloaded. It must
     * carry `client_email` and `private_key`; that is checked when the block is built or saved.
     * Encrypted at rest, never printed.
     * @default undefined (application-default credentials, see the README)
     */
    serviceAccountInfo: secret({ json: true, check: serviceAccountKeyProblem }).optional(),
    /**
     * Path of a service-account key file (`~` is the home folder). Read when a client is first
     * needed, on the machine that uses the block, never when the block is loaded: a worker
     * without the file can still load and pass on the block.
     * @default undefined (application-default credentials)
     */
    serviceAccountFile: z.string().min(1).optional(),
    /**
     * The Google Cloud project that Secret Manager names and bucket listings use.
     * @default undefined (the key's `project_id`, else the environment's project)
     */
    project: projectIdSchema.optional(),
    /**
     * Where Cloud Storage requests go: an emulator or a private endpoint, such as
     * `http://127.0.0.1:4443` or `https://storage-example.p.googleapis.com`. Requests to a custom
     * endpoint are sent without authentication, as the client library does.
     * @default undefined (https://storage.googleapis.com)
     */
    apiEndpoint: endpointSchema.optional(),
    /**
     * Where Secret Manager requests go (HTTP/JSON transport): an emulator or a private endpoint.
     * @default undefined (https://secretmanager.googleapis.com)
     */
    secretManagerEndpoint: endpointSchema.optional(),
    /** Retries and timeouts of the clients. @default {} */
    clientOptions: clientOptionsSchema.prefault({}),
  })
  .superRefine((fields, context) => {
    if (fields.serviceAccountInfo !== undefined && fields.serviceAccountFile !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["serviceAccountFile"],
        message:
          "give serviceAccountInfo or serviceAccountFile, not both (or neither, for application-default credentials)",
      });
    }
  });

/** The fields of a `gcp-credentials` block, as parsed. */
export type GcpCredentialsFields = z.output<typeof gcpCredentialsSchema>;

/** Clients made so far, per client class, per credentials. */
const clients = new ClientCache();
/** The cache's class key of the Cloud Storage clients that do not retry. */
const singleTryStorage = { name: "SingleTryStorage" };

/**
 * `gcp-credentials`: how to reach Google Cloud. `GcsBucket` and `GcpSecret` nest it.
 *
 * ```ts
 * const credentials = new GcpCredentials({ serviceAccountInfo: keyFileJson, project: "analytics-prod" });
 * const storage = await credentials.getStorage();
 * ```
 *
 * Three ways to authenticate: the key itself (`serviceAccountInfo`, a secret field), the path of a
 * key file (`serviceAccountFile`, read where the block is used), or neither, so the client
 * libraries' application-default credentials apply (workload identity on GKE or Cloud Run, the
 * metadata server, `GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth application-default login`).
 */
export class GcpCredentials extends defineBlock({
  type: "gcp-credentials",
  title: "GCP credentials",
  description:
    "Credentials for Google Cloud: a service-account key, the path of a key file, or application-default credentials (workload identity); project and endpoints.",
  schema: gcpCredentialsSchema,
}) {
  /**
   * The service-account key these credentials carry: revealed from `serviceAccountInfo`, or read
   * from `serviceAccountFile` (`GCP_SERVICE_ACCOUNT_FILE_UNUSABLE` when the file cannot be used
   * here). `undefined` in application-default mode.
   */
  async serviceAccountKey(): Promise<ServiceAccountKey | undefined> {
    if (this.serviceAccountInfo !== undefined) {
      return parseServiceAccountInfo(await this.serviceAccountInfo.reveal());
    }
    if (this.serviceAccountFile !== undefined) {
      return readServiceAccountFile(this.serviceAccountFile);
    }
    return undefined;
  }

  /** The project: the `project` field, else the key's `project_id`, else `undefined`. */
  async projectId(): Promise<string | undefined> {
    if (this.project !== undefined) return this.project;
    const key = await this.serviceAccountKey();
    return typeof key?.project_id === "string" ? key.project_id : undefined;
  }

  /**
   * The options `new Storage(…)` is made with: project, endpoint, the key (revealed here, only in
   * memory) and retries.
   */
  async storageOptions(): Promise<Record<string, unknown>> {
    const key = await this.serviceAccountKey();
    const projectId = this.project ?? key?.project_id;
    const retries = this.clientOptions;
    return {
      ...(projectId === undefined ? {} : { projectId }),
      ...(this.apiEndpoint === undefined
        ? {}
        : { apiEndpoint: this.apiEndpoint.replace(/\/+$/, "") }),
      ...(key === undefined ? {} : { credentials: key }),
      retryOptions: {
        autoRetry: retries.maxRetries > 0,
        maxRetries: retries.maxRetries,
        retryDelayMultiplier: retries.retryDelayMultiplier,
        maxRetryDelay: retries.maxRetryDelaySeconds,
        totalTimeout: retries.totalTimeoutSeconds,
      },
    };
  }

  /**
   * The options a Secret Manager client is made with: the HTTP/JSON transport (`fallback`), so
   * it works through HTTP proxies and emulators, the endpoint, the project and the key.
   */
  async secretManagerOptions(): Promise<Record<string, unknown>> {
    const key = await this.serviceAccountKey();
    const projectId = this.project ?? key?.project_id;
    const options: Record<string, unknown> = {
      fallback: true,
      ...(projectId === undefined ? {} : { projectId }),
      ...(key === undefined ? {} : { credentials: key }),
    };
    if (this.secretManagerEndpoint !== undefined) {
      const endpoint = new URL(this.secretManagerEndpoint);
      const protocol = endpoint.protocol.replace(":", "");
      options.apiEndpoint = endpoint.hostname;
      options.port = Number(endpoint.port || (protocol === "https" ? 443 : 80));
      options.protocol = protocol;
    }
    return options;
  }

  /**
   * A stable hash of these credentials and settings (core's `fingerprint`): equal for equal
   * fields. Secrets enter it only as keyed hashes, never in clear.
   */
  cacheKey(): Promise<string> {
    return fingerprint(this);
  }

  /**
   * The Cloud Storage client for these credentials (imports `@google-cloud/storage` on first
   * use). Cached per credentials: equal credentials share one client and its connections.
   */
  async getStorage(): Promise<Storage> {
    const { Storage } = await loadStorageSdk();
    return clients.get(this, Storage, async () => new Storage(await this.storageOptions()));
  }

  /**
   * A Cloud Storage client for these credentials whose own retries are off, for callers that
   * retry themselves: reads, which must not deliver a byte before the request has succeeded (the
   * client's retry of a read stream is unsafe). Cached per credentials, apart from `getStorage`.
   */
  async getSingleTryStorage(): Promise<Storage> {
    const { Storage } = await loadStorageSdk();
    return clients.get(this, singleTryStorage, async () => {
      const options = await this.storageOptions();
      return new Storage({ ...options, retryOptions: { autoRetry: false, maxRetries: 0 } });
    });
  }

  /**
   * The Secret Manager client for these credentials, on the HTTP/JSON transport (imports
   * `@google-cloud/secret-manager` on first use). Cached per credentials.
   */
  async getSecretManagerClient(): Promise<SecretManagerServiceClient> {
    const { SecretManagerServiceClient } = await loadSecretManagerSdk();
    return clients.get(
      this,
      SecretManagerServiceClient,
      async () => new SecretManagerServiceClient((await this.secretManagerOptions()) as never),
    );
  }
}
