/**
 * A small, faithful emulator of AWS Secrets Manager's JSON 1.1 protocol, for tests that must not
 * need a cloud account. It serves what the official SDK sends: every call is `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>` and a JSON body; replies are JSON with dates as epoch
 * seconds; errors are HTTP 400 with `{ "__type": "<Exception>", "message": "…" }`.
 *
 * Operations: CreateSecret, GetSecretValue (VersionId / VersionStage), PutSecretValue (moves
 * AWSCURRENT, keeps AWSPREVIOUS), DescribeSecret, DeleteSecret (RecoveryWindowInDays 7–30 or
 * ForceDeleteWithoutRecovery), RestoreSecret. Secrets scheduled for deletion refuse access with
 * InvalidRequestException, as the service does. ClientRequestToken makes creates and puts
 * idempotent: the same token with the same value returns the same version; with another value it
 * is a ResourceExistsException.
 *
 * Signatures are not verified; a request must still carry an `Authorization` header with a SigV4
 * credential, and access key ids listed in `deniedAccessKeyIds` get AccessDeniedException.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** Options of `startSecretsManagerEmulator`. */
export interface SecretsManagerEmulatorOptions {
  /** Region in ARNs. @default "us-east-1" */
  region?: string;
  /** Account id in ARNs. @default "123456789012" */
  accountId?: string;
  /** Access key ids answered with AccessDeniedException. @default [] */
  deniedAccessKeyIds?: string[];
}

/** A running emulator. */
export interface SecretsManagerEmulator {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  endpoint: string;
  /** Every operation received, in order (`CreateSecret`, …), for assertions on retries. */
  operations: string[];
  /** Stops the server. */
  stop(): Promise<void>;
}

interface SecretVersion {
  versionId: string;
  secretString?: string;
  secretBinary?: string;
  stages: Set<string>;
  createdDate: number;
  /** Request token that created the version (idempotency). */
  clientRequestToken: string;
}

interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  versions: Map<string, SecretVersion>;
}

/** An error the service answers with. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type JsonObject = Record<string, unknown>;

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Starts the emulator on a free loopback port. */
export async function startSecretsManagerEmulator(
  options: SecretsManagerEmulatorOptions = {},
): Promise<SecretsManagerEmulator> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "123456789012";
  const denied = new Set(options.deniedAccessKeyIds ?? []);
  const secrets = new Map<string, StoredSecret>();
  const operations: string[] = [];

  const now = () => Date.now() / 1000;

  function find(secretId: unknown): StoredSecret {
    if (typeof secretId !== "string" || secretId.length === 0) {
      throw new ServiceError("InvalidParameterException", "You must provide a SecretId.");
    }
    for (const secret of secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId) return secret;
      // A partial ARN (without the six random characters) also names the secret.
      if (secret.arn.slice(0, -7) === secretId) return secret;
    }
    throw new ServiceError(
      "ResourceNotFoundException",
      "Secrets Manager can't find the specified secret.",
    );
  }

  function findLive(secretId: unknown): StoredSecret {
    const secret = find(secretId);
    if (secret.deletedDate !== undefined) {
      throw new ServiceError(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  function readValue(body: JsonObject): { secretString?: string; secretBinary?: string } {
    const { SecretString, SecretBinary } = body;
    if (SecretString !== undefined && SecretBinary !== undefined) {
      throw new ServiceError(
        "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    }
    if (SecretString !== undefined && typeof SecretString !== "string") {
      throw new ServiceError("InvalidParameterException", "SecretString must be a string.");
    }
    if (SecretBinary !== undefined && typeof SecretBinary !== "string") {
      throw new ServiceError("InvalidParameterException", "SecretBinary must be base64.");
    }
    const value: { secretString?: string; secretBinary?: string } = {};
    if (SecretString !== undefined) value.secretString = SecretString;
    if (SecretBinary !== undefined) value.secretBinary = SecretBinary;
    return value;
  }

  function readToken(body: JsonObject): string {
    const token = body.ClientRequestToken;
    if (token === undefined) return randomUUID();
    if (typeof token !== "string" || token.length < 32 || token.length > 64) {
      throw new ServiceError(
        "InvalidParameterException",
        "ClientRequestToken must be 32 to 64 characters long.",
      );
    }
    return token;
  }

  function sameValue(
    version: SecretVersion,
    value: { secretString?: string; secretBinary?: string },
  ) {
    return (
      version.secretString === value.secretString && version.secretBinary === value.secretBinary
    );
  }

  /** Adds a version and moves its stages off other versions (AWSCURRENT leaves AWSPREVIOUS). */
  function addVersion(
    secret: StoredSecret,
    token: string,
    value: { secretString?: string; secretBinary?: string },
    stages: string[],
  ): SecretVersion {
    const version: SecretVersion = {
      versionId: token,
      ...value,
      stages: new Set(stages),
      createdDate: now(),
      clientRequestToken: token,
    };
    for (const stage of stages) {
      for (const other of secret.versions.values()) {
        if (!other.stages.has(stage)) continue;
        other.stages.delete(stage);
        if (stage === "AWSCURRENT") {
          for (const previous of secret.versions.values()) previous.stages.delete("AWSPREVIOUS");
          other.stages.add("AWSPREVIOUS");
        }
      }
    }
    secret.versions.set(version.versionId, version);
    // Versions without any stage are deprecated; the service removes them in the background.
    for (const [id, other] of secret.versions) {
      if (other.stages.size === 0) secret.versions.delete(id);
    }
    secret.lastChangedDate = now();
    return version;
  }

  const handlers: Record<string, (body: JsonObject) => JsonObject> = {
    CreateSecret(body) {
      const name = body.Name;
      if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
        throw new ServiceError(
          "InvalidParameterException",
          "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        );
      }
      const value = readValue(body);
      const token = readToken(body);
      const existing = [...secrets.values()].find((secret) => secret.name === name);
      if (existing) {
        if (existing.deletedDate !== undefined) {
          throw new ServiceError(
            "InvalidRequestException",
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
        }
        const version = existing.versions.get(token);
        if (version && sameValue(version, value)) {
          return { ARN: existing.arn, Name: existing.name, VersionId: version.versionId };
        }
        throw new ServiceError(
          "ResourceExistsException",
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      const suffix = randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 6);
      const created = now();
      const secret: StoredSecret = {
        arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`,
        name,
        createdDate: created,
        lastChangedDate: created,
        versions: new Map(),
      };
      if (typeof body.Description === "string") secret.description = body.Description;
      secrets.set(secret.arn, secret);
      if (value.secretString === undefined && value.secretBinary === undefined) {
        return { ARN: secret.arn, Name: secret.name };
      }
      const version = addVersion(secret, token, value, ["AWSCURRENT"]);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
    },

    GetSecretValue(body) {
      const secret = findLive(body.SecretId);
      const { VersionId, VersionStage } = body;
      let version: SecretVersion | undefined;
      if (typeof VersionId === "string") {
        version = secret.versions.get(VersionId);
        if (!version) {
          throw new ServiceError(
            "ResourceNotFoundException",
            `Secrets Manager can't find the specified secret value for VersionId: ${VersionId}`,
          );
        }
        if (typeof VersionStage === "string" && !version.stages.has(VersionStage)) {
          throw new ServiceError(
            "InvalidRequestException",
            "You provided a VersionStage that is not associated to the provided VersionId.",
          );
        }
      } else {
        const stage = typeof VersionStage === "string" ? VersionStage : "AWSCURRENT";
        version = [...secret.versions.values()].find((candidate) => candidate.stages.has(stage));
        if (!version) {
          throw new ServiceError(
            "ResourceNotFoundException",
            `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
          );
        }
      }
      secret.lastAccessedDate = Math.floor(now() / 86_400) * 86_400;
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
        VersionStages: [...version.stages],
        CreatedDate: version.createdDate,
      };
    },

    PutSecretValue(body) {
      const secret = findLive(body.SecretId);
      const value = readValue(body);
      if (value.secretString === undefined && value.secretBinary === undefined) {
        throw new ServiceError(
          "InvalidParameterException",
          "You must provide either SecretString or SecretBinary.",
        );
      }
      const token = readToken(body);
      const existing = secret.versions.get(token);
      if (existing) {
        if (sameValue(existing, value)) {
          return {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: existing.versionId,
            VersionStages: [...existing.stages],
          };
        }
        throw new ServiceError(
          "ResourceExistsException",
          "A resource with the ID you requested already exists.",
        );
      }
      const stages = Array.isArray(body.VersionStages)
        ? body.VersionStages.filter((stage): stage is string => typeof stage === "string")
        : ["AWSCURRENT"];
      const version = addVersion(secret, token, value, stages);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: [...version.stages],
      };
    },

    DescribeSecret(body) {
      const secret = find(body.SecretId);
      const versionIdsToStages: Record<string, string[]> = {};
      for (const version of secret.versions.values()) {
        versionIdsToStages[version.versionId] = [...version.stages];
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.description !== undefined ? { Description: secret.description } : {}),
        CreatedDate: secret.createdDate,
        LastChangedDate: secret.lastChangedDate,
        ...(secret.lastAccessedDate !== undefined
          ? { LastAccessedDate: secret.lastAccessedDate }
          : {}),
        ...(secret.deletedDate !== undefined ? { DeletedDate: secret.deletedDate } : {}),
        RotationEnabled: false,
        VersionIdsToStages: versionIdsToStages,
      };
    },

    DeleteSecret(body) {
      const { RecoveryWindowInDays, ForceDeleteWithoutRecovery } = body;
      if (RecoveryWindowInDays !== undefined && ForceDeleteWithoutRecovery === true) {
        throw new ServiceError(
          "InvalidParameterException",
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      }
      if (
        RecoveryWindowInDays !== undefined &&
        (typeof RecoveryWindowInDays !== "number" ||
          !Number.isInteger(RecoveryWindowInDays) ||
          RecoveryWindowInDays < 7 ||
          RecoveryWindowInDays > 30)
      ) {
        throw new ServiceError(
          "InvalidParameterException",
          "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        );
      }
      const secret = find(body.SecretId);
      if (ForceDeleteWithoutRecovery === true) {
        secrets.delete(secret.arn);
        return { ARN: secret.arn, Name: secret.name, DeletionDate: now() };
      }
      if (secret.deletedDate !== undefined) {
        throw new ServiceError(
          "InvalidRequestException",
          "You tried to perform the operation on a secret that's currently marked deleted.",
        );
      }
      const days = typeof RecoveryWindowInDays === "number" ? RecoveryWindowInDays : 30;
      secret.deletedDate = now();
      return {
        ARN: secret.arn,
        Name: secret.name,
        DeletionDate: secret.deletedDate + days * 86_400,
      };
    },

    RestoreSecret(body) {
      const secret = find(body.SecretId);
      delete secret.deletedDate;
      return { ARN: secret.arn, Name: secret.name };
    },
  };

  function send(response: ServerResponse, status: number, payload: JsonObject, type?: string) {
    const text = JSON.stringify(payload);
    response.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(type ? { "x-amzn-errortype": type } : {}),
    });
    response.end(text);
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers["x-amz-target"];
    const operation =
      typeof target === "string" && target.startsWith("secretsmanager.")
        ? target.slice("secretsmanager.".length)
        : "";
    operations.push(operation);
    try {
      if (request.method !== "POST") {
        throw new ServiceError("InvalidAction", "Only POST is supported.");
      }
      const authorization = request.headers.authorization ?? "";
      const accessKeyId = /Credential=([^/]+)\//.exec(authorization)?.[1];
      if (!accessKeyId) {
        throw new ServiceError(
          "MissingAuthenticationTokenException",
          "Request is missing Authentication Token",
        );
      }
      if (denied.has(accessKeyId)) {
        throw new ServiceError(
          "AccessDeniedException",
          `User: arn:aws:iam::${accountId}:user/${accessKeyId} is not authorized to perform: secretsmanager:${operation}`,
        );
      }
      const handler = handlers[operation];
      if (!handler) {
        throw new ServiceError("UnknownOperationException", `Unknown operation ${operation}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      } catch {
        throw new ServiceError("SerializationException", "The request body is not valid JSON.");
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new ServiceError("SerializationException", "The request body must be an object.");
      }
      send(response, 200, handler(body as JsonObject));
    } catch (error) {
      if (error instanceof ServiceError) {
        send(response, 400, { __type: error.type, message: error.message }, error.type);
      } else {
        send(
          response,
          500,
          { __type: "InternalServiceError", message: "An error occurred on the server side." },
          "InternalServiceError",
        );
      }
    }
  }

  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    operations,
    stop: () => closeServer(server),
  };
}
