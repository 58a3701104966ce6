import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import {
  defineBlock,
  InvalidInputError,
  type JsonValue,
  type ReadSecretOptions,
  type SecretSource,
  z,
} from "@tessera/core";
import { GcpProjectMissingError, GcpRequestError } from "./errors/index.js";
import { GcpCredentials, projectIdSchema } from "./gcp-credentials.js";
import { loadStorageSdk } from "./lazy-sdk.js";
import { backoff } from "./retries.js";
import {
  clientSetupError,
  describeSecretManagerError,
  isTransientSecretManagerError,
  type SecretCallContext,
  translateSecretManagerError,
} from "./translate-secret-manager-error.js";

/** Options of `GcpSecret.readSecret` and `readSecretBytes`. */
export interface GcpReadSecretOptions extends ReadSecretOptions {
  /**
   * The version to read: its number, or `latest` (the most recently added version). A reference
   * pins it with `gcp-secret/<name>?version=<n>`, which arrives here as `versionId`.
   * @default "latest"
   */
  version?: number | "latest";
}

const gcpSecretSchema = z.object({
  /** How to reach Google Cloud. @default {} (application-default credentials) */
  credentials: GcpCredentials.field().prefault({}),
  /** The secret's id in Secret Manager: 1–255 letters, digits, `-` and `_`, such as `db-password`. */
  secretName: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,255}$/,
      "must be a Secret Manager secret id: 1 to 255 letters, digits, '-' and '_'",
    ),
  /**
   * The project that holds the secret.
   * @default undefined (the credentials' project, else the key's project_id)
   */
  project: projectIdSchema.optional(),
});

/**
 * `gcp-secret`: one secret in Google Cloud Secret Manager, and a secret source — a secret field of
 * any block can hold `{ "$reference": "gcp-secret/<name>" }` (or pin a version with
 * `gcp-secret/<name>?version=<n>`) and reveals the value stored in Google Cloud.
 *
 * ```ts
 * const secret = new GcpSecret({ secretName: "db-password", project: "analytics-prod" });
 * await secret.writeSecret("s3cr3t");  // adds a version, creating the secret when it is missing
 * await secret.readSecret();           // "s3cr3t" (the latest version)
 * await secret.readSecret({ version: 1 });
 * ```
 *
 * Strings are stored as UTF-8, bytes as they are, any other JSON value as its JSON text; every
 * value reads back as text (`readSecretBytes` gives the bytes). Payloads travel with their CRC32C,
 * checked by Secret Manager on a write and by this block on a read.
 */
export class GcpSecret
  extends defineBlock({
    type: "gcp-secret",
    title: "GCP secret",
    description:
      "A secret in Google Cloud Secret Manager: read (the latest or a numbered version), write (adding a version, creating the secret when missing) and delete it; other blocks' secret fields can reference it.",
    capabilities: ["secret-source"],
    schema: gcpSecretSchema,
  })
  implements SecretSource
{
  /** The Secret Manager client of this secret's credentials (cached per credentials). */
  getClient(): Promise<SecretManagerServiceClient> {
    return this.credentials.getSecretManagerClient();
  }

  /** The project of the secret: `project`, else the credentials'. `GCP_PROJECT_MISSING` if none. */
  async projectId(): Promise<string> {
    const project = this.project ?? (await this.credentials.projectId());
    if (project === undefined) {
      throw new GcpProjectMissingError({ subject: `Google Cloud secret "${this.secretName}"` });
    }
    return project;
  }

  /** The secret's resource name: `projects/<project>/secrets/<secretName>`. */
  async resourceName(): Promise<string> {
    return `projects/${await this.projectId()}/secrets/${this.secretName}`;
  }

  async #call<Result>(
    operation: string,
    action: (client: SecretManagerServiceClient, name: string) => Promise<Result>,
    options: { version?: string; idempotent?: boolean } = {},
  ): Promise<Result> {
    const project = await this.projectId();
    const name = `projects/${project}/secrets/${this.secretName}`;
    const client = await this.getClient();
    const context: SecretCallContext = {
      secretName: this.secretName,
      project,
      operation,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(this.slug === undefined ? {} : { slug: this.slug }),
    };
    // The client sets itself up (credentials included) on its first call, and when that fails a
    // call rejects twice: once to the caller and once unhandled, which ends a Node.js process.
    // Setting it up here first turns that failure into one coded error.
    try {
      await client.initialize();
    } catch (error) {
      throw clientSetupError(error, context);
    }
    const retries = this.credentials.clientOptions;
    for (let tries = 0; ; tries++) {
      try {
        return await action(client, name);
      } catch (error) {
        if (
          options.idempotent &&
          tries < retries.maxRetries &&
          isTransientSecretManagerError(error)
        ) {
          await backoff(retries, tries, undefined);
          continue;
        }
        throw translateSecretManagerError(error, context);
      }
    }
  }

  /** The version `options` name, checked: a positive whole number as text, or `latest`. */
  #version(options: GcpReadSecretOptions): string {
    if (options.versionStage !== undefined) {
      throw new InvalidInputError({
        subject: "versionStage",
        message: `Google Cloud secret "${this.secretName}" has numbered versions, not stages: pin a version with ?version=<n> (or readSecret({ version: n })).`,
      });
    }
    const given = options.version ?? options.versionId;
    if (
      options.version !== undefined &&
      options.versionId !== undefined &&
      String(options.version) !== options.versionId
    ) {
      throw new InvalidInputError({
        subject: "version",
        message: `Two different versions of Google Cloud secret "${this.secretName}" were asked for (${options.version} and ${options.versionId}): pass one.`,
      });
    }
    const version = given === undefined ? "latest" : String(given);
    if (version !== "latest" && !/^[1-9][0-9]{0,17}$/.test(version)) {
      throw new InvalidInputError({
        subject: "version",
        message: `"${version}" is not a version of Google Cloud secret "${this.secretName}": use a version number (1, 2, …) or "latest".`,
      });
    }
    return version;
  }

  /**
   * The bytes of a version (the latest by default), retried on transient failures (503, 429, a
   * lost connection) and verified against the CRC32C Secret Manager sends with them.
   */
  async #access(options: GcpReadSecretOptions): Promise<Buffer> {
    const version = this.#version(options);
    const [response, name] = await this.#call(
      "AccessSecretVersion",
      async (client, secret) => {
        const [accessed] = await client.accessSecretVersion({
          name: `${secret}/versions/${version}`,
        });
        return [accessed, secret] as const;
      },
      { version, idempotent: true },
    );
    const data = Buffer.from(response.payload?.data ?? new Uint8Array());
    const sent = response.payload?.dataCrc32c;
    if (sent !== undefined && sent !== null && Number(String(sent)) !== (await crc32c(data))) {
      throw new GcpRequestError({
        service: "Secret Manager",
        operation: "AccessSecretVersion",
        resource: `${name}/versions/${version}`,
        reason:
          "the payload received does not match the CRC32C Secret Manager sent with it, so it was not used",
        advice: "Read it again; if it keeps failing, check for a proxy that alters responses.",
      });
    }
    return data;
  }

  /**
   * The secret's value as text (UTF-8): the latest version, or the one `version` (or a reference's
   * `versionId`) names. `SECRET_NOT_FOUND` when the secret or the version does not exist,
   * `SECRET_VERSION_UNAVAILABLE` when the version is disabled or destroyed, `SECRET_ACCESS_DENIED`
   * when the credentials may not read it.
   */
  async readSecret(options: GcpReadSecretOptions = {}): Promise<JsonValue> {
    return (await this.#access(options)).toString("utf8");
  }

  /** The secret's value as bytes. Takes the same options, and fails the same ways, as `readSecret`. */
  async readSecretBytes(options: GcpReadSecretOptions = {}): Promise<Uint8Array> {
    return new Uint8Array(await this.#access(options));
  }

  /**
   * Adds a version holding `value` (it becomes `latest`), creating the secret with automatic
   * replication when it does not exist; if another writer creates it at the same moment, the
   * version is added to theirs. Returns the new version's resource name
   * (`projects/<number>/secrets/<name>/versions/<n>`). A string is stored as UTF-8, bytes as they
   * are, any other JSON value as its JSON text. At most 64 KiB.
   */
  async writeSecret(value: JsonValue | Uint8Array): Promise<string> {
    const data = Buffer.from(
      value instanceof Uint8Array
        ? value
        : typeof value === "string"
          ? value
          : JSON.stringify(value),
    );
    const payload = { data, dataCrc32c: await crc32c(data) };
    return this.#call("AddSecretVersion", async (client, name) => {
      const add = async () => {
        const [version] = await client.addSecretVersion({ parent: name, payload });
        return version.name ?? name;
      };
      try {
        return await add();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      try {
        await client.createSecret({
          parent: name.slice(0, name.indexOf("/secrets/")),
          secretId: this.secretName,
          secret: { replication: { automatic: {} } },
        });
      } catch (error) {
        // Another writer created it in between: add the version to theirs.
        if (!isAlreadyExists(error)) throw error;
      }
      return add();
    });
  }

  /**
   * Deletes the secret with all its versions, at once and for good. `SECRET_NOT_FOUND` when it
   * does not exist. Returns the deleted secret's resource name.
   */
  async deleteSecret(): Promise<string> {
    return this.#call("DeleteSecret", async (client, name) => {
      await client.deleteSecret({ name });
      return name;
    });
  }
}

function isNotFound(error: unknown): boolean {
  return describeSecretManagerError(error).status === "NOT_FOUND";
}

function isAlreadyExists(error: unknown): boolean {
  return describeSecretManagerError(error).status === "ALREADY_EXISTS";
}

/** The CRC32C of `data` as the unsigned integer Secret Manager's `dataCrc32c` carries. */
async function crc32c(data: Buffer): Promise<number> {
  const { CRC32C } = await loadStorageSdk();
  const checksum = new CRC32C();
  checksum.update(data);
  // The client library's CRC32C is a signed 32-bit number; Secret Manager's is unsigned.
  return checksum.valueOf() >>> 0;
}
