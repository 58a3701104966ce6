import { defineBlock, secret, z } from "@tessera/core";
import { ClientCache, fingerprint } from "@tessera/core/provider";
import { loadS3Sdk, loadSecretsManagerSdk } from "./lazy-sdk.js";

/** How the SDK clients made from the credentials retry and time out. */
const clientOptionsSchema = z.object({
  /**
   * Attempts per request, the first one included; throttling (503 SlowDown, ThrottlingException)
   * and transient network errors are retried with backoff, client errors (403, 404) never.
   * @default 3 (the SDK's default)
   */
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /**
   * The SDK's retry mode: `standard`, or `adaptive` (also rate-limits the client when throttled).
   * @default "standard"
   */
  retryMode: z.enum(["standard", "adaptive"]).optional(),
  /** Milliseconds to wait for a TCP connection. @default undefined (the SDK's default) */
  connectionTimeoutMs: z.number().int().positive().optional(),
  /** Milliseconds a request may stay idle before it fails (and may be retried). @default undefined (the SDK's default) */
  requestTimeoutMs: z.number().int().positive().optional(),
  /**
   * When the S3 client computes request checksums: `WHEN_SUPPORTED` (the SDK's default) or
   * `WHEN_REQUIRED`. S3-compatible servers that do not understand `aws-chunked` uploads (MinIO
   * releases before 2025, s3rver) need `WHEN_REQUIRED`.
   * @default "WHEN_SUPPORTED"
   */
  requestChecksumCalculation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
  /**
   * When the S3 client validates response checksums: `WHEN_SUPPORTED` or `WHEN_REQUIRED`.
   * @default "WHEN_SUPPORTED"
   */
  responseChecksumValidation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
});

const awsCredentialsSchema = z
  .object({
    /**
     * Access key id. Leave it (and `secretAccessKey`) unset to use the SDK's default provider
     * chain: environment variables, the shared config files, SSO, container and instance roles.
     * @default undefined (the default provider chain)
     */
    accessKeyId: z.string().min(1).optional(),
    /** Secret access key, given together with `accessKeyId`. Encrypted at rest. @default undefined */
    secretAccessKey: secret().optional(),
    /** Session token of temporary credentials (STS). Encrypted at rest. @default undefined */
    sessionToken: secret().optional(),
    /** Region, such as `eu-west-1`. @default undefined (`AWS_REGION`, then the profile's region) */
    region: z.string().min(1).optional(),
    /** Named profile of the shared config files, used when no keys are given. @default undefined */
    profile: z.string().min(1).optional(),
    /**
     * Endpoint URL for S3-compatible or emulated services (MinIO, LocalStack, a VPC endpoint).
     * @default undefined (AWS's endpoint for the region)
     */
    endpoint: z.url().optional(),
    /**
     * Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most
     * S3-compatible servers need it).
     * @default false
     */
    forcePathStyle: z.boolean().default(false),
    /** Retries and timeouts of the SDK clients. @default {} */
    clientOptions: clientOptionsSchema.prefault({}),
  })
  .superRefine((fields, context) => {
    if ((fields.accessKeyId === undefined) !== (fields.secretAccessKey === undefined)) {
      context.addIssue({
        code: "custom",
        path: [fields.accessKeyId === undefined ? "accessKeyId" : "secretAccessKey"],
        message:
          "accessKeyId and secretAccessKey go together: give both, or neither to use the default provider chain",
      });
    }
    if (fields.sessionToken !== undefined && fields.accessKeyId === undefined) {
      context.addIssue({
        code: "custom",
        path: ["sessionToken"],
        message: "a sessionToken needs accessKeyId and secretAccessKey",
      });
    }
  });

/** The fields of an `aws-credentials` block, as parsed. */
export type AwsCredentialsFields = z.output<typeof awsCredentialsSchema>;

/** A class of an AWS SDK v3 client, such as `S3Client`. */
export type AwsClientClass<Client> = new (configuration: never) => Client;

/** Clients made so far, per client class, per credentials (see `AwsCredentials.getClient`). */
const clients = new ClientCache();

/**
 * `aws-credentials`: how to reach AWS (or an S3-compatible service). Other AWS blocks nest it.
 *
 * ```ts
 * const credentials = new AwsCredentials({ region: "eu-west-1", profile: "analytics" });
 * const s3 = await credentials.getS3Client();
 * ```
 *
 * Without `accessKeyId`/`secretAccessKey`, the SDK's default provider chain applies. The secret
 * access key and the session token are secret fields: encrypted at rest, never printed.
 */
export class AwsCredentials extends defineBlock({
  type: "aws-credentials",
  title: "AWS credentials",
  description:
    "Credentials and client settings for AWS: access keys (or the default provider chain or a profile), region, endpoint, retries and timeouts.",
  schema: awsCredentialsSchema,
}) {
  /**
   * The configuration an AWS SDK v3 client is constructed with: region, endpoint, path style,
   * credentials (revealed here, only in memory), retries, timeouts and checksum modes.
   */
  async clientConfiguration(): Promise<Record<string, unknown>> {
    const options = this.clientOptions;
    const configuration: Record<string, unknown> = {};
    if (this.region !== undefined) configuration.region = this.region;
    if (this.endpoint !== undefined) configuration.endpoint = this.endpoint;
    if (this.forcePathStyle) configuration.forcePathStyle = true;
    if (this.accessKeyId !== undefined && this.secretAccessKey !== undefined) {
      const sessionToken = await this.sessionToken?.reveal();
      configuration.credentials = {
        accessKeyId: this.accessKeyId,
        secretAccessKey: await this.secretAccessKey.reveal(),
        ...(sessionToken === undefined ? {} : { sessionToken }),
      };
    } else if (this.profile !== undefined) {
      configuration.profile = this.profile;
    }
    if (options.maxAttempts !== undefined) configuration.maxAttempts = options.maxAttempts;
    if (options.retryMode !== undefined) configuration.retryMode = options.retryMode;
    if (options.connectionTimeoutMs !== undefined || options.requestTimeoutMs !== undefined) {
      configuration.requestHandler = {
        ...(options.connectionTimeoutMs === undefined
          ? {}
          : { connectionTimeout: options.connectionTimeoutMs }),
        ...(options.requestTimeoutMs === undefined
          ? {}
          : { requestTimeout: options.requestTimeoutMs }),
      };
    }
    if (options.requestChecksumCalculation !== undefined) {
      configuration.requestChecksumCalculation = options.requestChecksumCalculation;
    }
    if (options.responseChecksumValidation !== undefined) {
      configuration.responseChecksumValidation = options.responseChecksumValidation;
    }
    return configuration;
  }

  /**
   * A stable hash of these credentials and settings (core's `fingerprint`): equal for equal
   * fields, whatever instance holds them. Secrets enter it only as keyed hashes, never in clear.
   */
  cacheKey(): Promise<string> {
    return fingerprint(this);
  }

  /**
   * A client of any AWS SDK v3 service made with these credentials, such as
   * `await credentials.getClient(DynamoDBClient)`. Clients are cached per class and per
   * credentials (see `cacheKey`): equal credentials share one client and its connections.
   */
  getClient<Client>(ClientClass: AwsClientClass<Client>): Promise<Client> {
    return clients.get(this, ClientClass, async () => {
      const configuration = await this.clientConfiguration();
      return new ClientClass(configuration as never);
    });
  }

  /** The S3 client for these credentials (imports `@aws-sdk/client-s3` on first use). */
  async getS3Client(): Promise<import("@aws-sdk/client-s3").S3Client> {
    const { S3Client } = await loadS3Sdk();
    return this.getClient(S3Client);
  }

  /** The Secrets Manager client for these credentials (imports the SDK on first use). */
  async getSecretsManagerClient(): Promise<
    import("@aws-sdk/client-secrets-manager").SecretsManagerClient
  > {
    const { SecretsManagerClient } = await loadSecretsManagerSdk();
    return this.getClient(SecretsManagerClient);
  }
}
