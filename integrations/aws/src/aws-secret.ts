import { randomUUID } from "node:crypto";
import type {
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  defineBlock,
  InvalidInputError,
  type JsonValue,
  type ReadSecretOptions,
  type SecretSource,
  z,
} from "@tessera/core";
import { AwsCredentials } from "./aws-credentials.js";
import { describeSdkError } from "./describe-sdk-error.js";
import { loadSecretsManagerSdk, type SecretsManagerSdk } from "./lazy-sdk.js";
import { translateSecretsManagerError } from "./translate-secrets-manager-error.js";

/** Options of `AwsSecret.deleteSecret`: a recovery window, or an immediate, final delete. */
export type DeleteSecretOptions =
  | {
      /**
       * Days (7–30) during which the secret can still be restored; it cannot be read meanwhile.
       * @default 30
       */
      recoveryWindowInDays?: number;
      force?: false;
    }
  | {
      /** Delete at once, without any recovery window. The secret is gone for good. */
      force: true;
      recoveryWindowInDays?: undefined;
    };

/** What `AwsSecret.deleteSecret` reports. */
export interface DeletedSecret {
  /** The secret's ARN. */
  arn: string;
  /** When AWS deletes it for good (now, for a forced delete). */
  deletionDate: Date | undefined;
}

const awsSecretSchema = z.object({
  /** How to reach AWS. @default {} (the SDK's default provider chain and region) */
  credentials: AwsCredentials.field().prefault({}),
  /** The secret's name (or ARN) in AWS Secrets Manager, such as `prod/db-password`. */
  secretName: z.string().min(1).max(2048),
});

/**
 * `aws-secret`: one secret in AWS Secrets Manager, and a secret source — a secret field of any
 * block can hold `{ "$reference": "aws-secret/<name>" }` and reveals the value stored in AWS.
 *
 * ```ts
 * const secret = new AwsSecret({ secretName: "prod/db-password", credentials: { region: "eu-west-1" } });
 * await secret.writeSecret("s3cr3t"); // creates the secret when it is missing; returns the ARN
 * await secret.readSecret();          // "s3cr3t"
 * ```
 *
 * String secrets read back as strings; a JSON value other than a string is written as its JSON
 * text (Secrets Manager stores text) and reads back as that text. Bytes are written as a binary
 * secret; `readSecret` gives a binary secret as base64 text, `readSecretBytes` as bytes.
 */
export class AwsSecret
  extends defineBlock({
    type: "aws-secret",
    title: "AWS secret",
    description:
      "A secret in AWS Secrets Manager: read (a version or stage), write (creating it when missing) and delete it; other blocks' secret fields can reference it.",
    capabilities: ["secret-source"],
    schema: awsSecretSchema,
  })
  implements SecretSource
{
  /** The Secrets Manager client of this secret's credentials (cached per credentials). */
  getClient(): Promise<SecretsManagerClient> {
    return this.credentials.getSecretsManagerClient();
  }

  async #call<Result>(
    operation: string,
    action: (client: SecretsManagerClient, sdk: SecretsManagerSdk) => Promise<Result>,
    version?: string,
  ): Promise<Result> {
    const [client, sdk] = await Promise.all([this.getClient(), loadSecretsManagerSdk()]);
    try {
      return await action(client, sdk);
    } catch (error) {
      throw translateSecretsManagerError(error, {
        secretName: this.secretName,
        operation,
        ...(version === undefined ? {} : { version }),
        ...(this.slug === undefined ? {} : { slug: this.slug }),
      });
    }
  }

  /** The `GetSecretValue` response for the version `options` name (by default the current one). */
  #getSecretValue(options: ReadSecretOptions): Promise<GetSecretValueCommandOutput> {
    return this.#call(
      "GetSecretValue",
      (client, { GetSecretValueCommand }) =>
        client.send(
          new GetSecretValueCommand({
            SecretId: this.secretName,
            ...(options.versionId === undefined ? {} : { VersionId: options.versionId }),
            ...(options.versionStage === undefined ? {} : { VersionStage: options.versionStage }),
          }),
        ),
      options.versionId ?? options.versionStage,
    );
  }

  /**
   * The secret's value: the current version (`AWSCURRENT`), or the one named by `versionId`
   * and/or `versionStage` (`AWSPREVIOUS`, a custom label). `SECRET_NOT_FOUND` when the secret or
   * the version does not exist; `SECRET_SCHEDULED_FOR_DELETION` when it is being deleted.
   */
  async readSecret(options: ReadSecretOptions = {}): Promise<JsonValue> {
    const response = await this.#getSecretValue(options);
    if (response.SecretString !== undefined) return response.SecretString;
    if (response.SecretBinary !== undefined) {
      return Buffer.from(response.SecretBinary).toString("base64");
    }
    return "";
  }

  /**
   * The secret's value as bytes: a binary secret's bytes, or a string secret's UTF-8 bytes. Takes
   * the same options, and fails the same ways, as `readSecret`.
   */
  async readSecretBytes(options: ReadSecretOptions = {}): Promise<Uint8Array> {
    const response = await this.#getSecretValue(options);
    if (response.SecretBinary !== undefined) return new Uint8Array(response.SecretBinary);
    return new Uint8Array(Buffer.from(response.SecretString ?? "", "utf8"));
  }

  /**
   * Stores a new value as the current version (the previous one becomes `AWSPREVIOUS`), creating
   * the secret when it does not exist. Returns the secret's ARN. A string is stored as is, bytes
   * (`Uint8Array`) as a binary secret, any other JSON value as its JSON text.
   */
  async writeSecret(value: JsonValue | Uint8Array): Promise<string> {
    const payload =
      value instanceof Uint8Array
        ? { SecretBinary: value }
        : { SecretString: typeof value === "string" ? value : JSON.stringify(value) };
    const clientRequestToken = randomUUID();
    return this.#call("PutSecretValue", async (client, sdk) => {
      try {
        const put = await client.send(
          new sdk.PutSecretValueCommand({
            SecretId: this.secretName,
            ...payload,
            ClientRequestToken: clientRequestToken,
          }),
        );
        return put.ARN ?? this.secretName;
      } catch (error) {
        if (describeSdkError(error).name !== "ResourceNotFoundException") throw error;
      }
      try {
        const created = await client.send(
          new sdk.CreateSecretCommand({
            Name: this.secretName,
            ...payload,
            ClientRequestToken: clientRequestToken,
          }),
        );
        return created.ARN ?? this.secretName;
      } catch (error) {
        // Another writer created it in between: store the value as a new version of theirs.
        if (describeSdkError(error).name !== "ResourceExistsException") throw error;
        const put = await client.send(
          new sdk.PutSecretValueCommand({
            SecretId: this.secretName,
            ...payload,
            ClientRequestToken: randomUUID(),
          }),
        );
        return put.ARN ?? this.secretName;
      }
    });
  }

  /**
   * Deletes the secret: after a recovery window of 7–30 days (30 by default), during which it can
   * be restored but not read, or at once with `{ force: true }`.
   */
  async deleteSecret(options: DeleteSecretOptions = {}): Promise<DeletedSecret> {
    const force = options.force === true;
    const window = options.recoveryWindowInDays;
    if (force && window !== undefined) {
      throw new InvalidInputError({
        subject: "recoveryWindowInDays",
        message: `Cannot delete AWS secret "${this.secretName}" both at once (force) and after a recovery window of ${window} days: pass one of { force: true } or { recoveryWindowInDays }.`,
      });
    }
    if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30)) {
      throw new InvalidInputError({
        subject: "recoveryWindowInDays",
        message: `Cannot delete AWS secret "${this.secretName}" with a recovery window of ${window} days: AWS accepts a whole number of days from 7 to 30, or { force: true } for no window.`,
      });
    }
    const response = await this.#call("DeleteSecret", (client, { DeleteSecretCommand }) =>
      client.send(
        new DeleteSecretCommand({
          SecretId: this.secretName,
          ...(force
            ? { ForceDeleteWithoutRecovery: true }
            : { RecoveryWindowInDays: window ?? 30 }),
        }),
      ),
    );
    return { arn: response.ARN ?? this.secretName, deletionDate: response.DeletionDate };
  }
}
