import type { JsonValue } from "../schema/json.js";

/** Options of `readSecret`. */
export interface ReadSecretOptions {
  /** A specific version of the secret, when the provider versions secrets. @default undefined (current) */
  versionId?: string;
  /** A version stage label (AWS: `AWSCURRENT`, `AWSPREVIOUS`). @default undefined (current) */
  versionStage?: string;
}

/**
 * A block whose job is to hold a secret in an external secret manager (AWS Secrets Manager, GCP
 * Secret Manager, Azure Key Vault). Block types implementing it declare the `secret-source`
 * capability; a secret field of any block can then reference `<type>/<name>` of such a block and
 * reveals the value it reads.
 */
export interface SecretSource {
  /** Reads the secret's current value (or the given version). */
  readSecret(options?: ReadSecretOptions): Promise<JsonValue>;
  /**
   * Writes a new value, creating the secret when missing. Returns the provider's id of the
   * secret (an ARN, a resource name). Optional: read-only sources omit it.
   */
  writeSecret?(value: JsonValue): Promise<string>;
}
