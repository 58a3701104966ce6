import { defineBlock, secret, z } from "@tessera/core";
import { ClientCache, fingerprint } from "@tessera/core/provider";
import { AssumeRoleFailedError } from "./errors/index.js";
import { loadS3Sdk, loadSecretsManagerSdk, loadStsSdk } from "./lazy-sdk.js";

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
    /**
     * ARN of an IAM role to assume: clients then use temporary credentials from STS AssumeRole,
     * requested with the block's other credentials (keys, profile or the default chain).
     * @default undefined (no role is assumed)
     */
    assumeRoleArn: z.string().min(1).optional(),
    /** External id the role's trust policy asks for, sent with AssumeRole. @default undefined */
    externalId: z.string().min(1).max(1224).optional(),
    /** Session name of the assumed role, seen in CloudTrail. @default "tessera" */
    roleSessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, "2 to 64 letters, digits or the characters _+=,.@-")
      .default("tessera"),
    /** Lifetime of the temporary credentials, 900 to 43200 seconds. @default undefined (STS's default, one hour) */
    durationSeconds: z.number().int().min(900).max(43_200).optional(),
    /**
     * Where STS requests go, for emulators or a VPC endpoint.
     * @default undefined (the `endpoint`, else AWS's STS endpoint for the region)
     */
    stsEndpoint: z.url().optional(),
    /**
     * Send unsigned requests, for public buckets. Excludes keys, `profile` and `assumeRoleArn`.
     * @default false
     */
    anonymous: z.boolean().default(false),
  })
  .superRefine((fields, context) => {
    if (fields.anonymous) {
      const conflicting = (
        ["accessKeyId", "secretAccessKey", "sessionToken", "profile", "assumeRoleArn"] as const
      ).filter((name) => fields[name] !== undefined);
      for (const name of conflicting) {
        context.addIssue({
          code: "custom",
          path: [name],
          message: `anonymous requests are unsigned: remove ${conflicting.join(", ")}, or set anonymous to false`,
        });
      }
    }
    const roleOnly = (["externalId", "durationSeconds"] as const).filter(
      (name) => fields[name] !== undefined,
    );
    if (fields.assumeRoleArn === undefined && roleOnly.length > 0) {
      context.addIssue({
        code: "custom",
        path: [roleOnly[0] as string],
        message: `${roleOnly.join(" and ")} apply only when assumeRoleArn is set`,
      });
    }
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

/**
 * A credentials provider calling STS AssumeRole with the block's base credentials. The SDK
 * memoizes it and calls it again shortly before the temporary credentials expire.
 */
function assumedRoleProvider(
  fields: AwsCredentialsFields,
  roleArn: string,
): () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}> {
  let stsClient: Promise<import("@aws-sdk/client-sts").STSClient> | undefined;
  return async () => {
    const { STSClient, AssumeRoleCommand } = await loadStsSdk();
    stsClient ??= baseConfiguration(fields).then((base) => {
      const endpoint = fields.stsEndpoint ?? fields.endpoint;
      const {
        forcePathStyle: _pathStyle,
        requestChecksumCalculation: _c,
        responseChecksumValidation: _v,
        ...sts
      } = base;
      return new STSClient({ ...sts, ...(endpoint === undefined ? {} : { endpoint }) } as never);
    });
    const client = await stsClient;
    let output: import("@aws-sdk/client-sts").AssumeRoleCommandOutput;
    try {
      output = await client.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: fields.roleSessionName,
          ...(fields.externalId === undefined ? {} : { ExternalId: fields.externalId }),
          ...(fields.durationSeconds === undefined
            ? {}
            : { DurationSeconds: fields.durationSeconds }),
        }),
      );
    } catch (error) {
      throw AssumeRoleFailedError.fromSdkError(error, roleArn);
    }
    const issued = output.Credentials;
    if (issued?.AccessKeyId === undefined || issued.SecretAccessKey === undefined) {
      throw new AssumeRoleFailedError({
        roleArn,
        reason: "STS answered without credentials",
      });
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken === undefined ? {} : { sessionToken: issued.SessionToken }),
      ...(issued.Expiration === undefined ? {} : { expiration: issued.Expiration }),
    };
  };
}

/** The configuration without assume-role or anonymous access: the base credentials. */
async function baseConfiguration(fields: AwsCredentialsFields): Promise<Record<string, unknown>> {
  const options = fields.clientOptions;
  const configuration: Record<string, unknown> = {};
  if (fields.region !== undefined) configuration.region = fields.region;
  if (fields.endpoint !== undefined) configuration.endpoint = fields.endpoint;
  if (fields.forcePathStyle) configuration.forcePathStyle = true;
  if (fields.accessKeyId !== undefined && fields.secretAccessKey !== undefined) {
    const sessionToken = await fields.sessionToken?.reveal();
    configuration.credentials = {
      accessKeyId: fields.accessKeyId,
      secretAccessKey: await fields.secretAccessKey.reveal(),
      ...(sessionToken === undefined ? {} : { sessionToken }),
    };
  } else if (fields.profile !== undefined) {
    configuration.profile = fields.profile;
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
    const configuration = await baseConfiguration(this);
    if (this.anonymous) {
      // The SDK's way to send unsigned requests: a signer that returns the request as it is.
      configuration.signer = { sign: async (request: unknown) => request };
      configuration.credentials = { accessKeyId: "", secretAccessKey: "" };
    } else if (this.assumeRoleArn !== undefined) {
      configuration.credentials = assumedRoleProvider(this, this.assumeRoleArn);
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
