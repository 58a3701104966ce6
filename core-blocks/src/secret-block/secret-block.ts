import { z } from "zod";
import { defineBlock, registerBlockType, type SaveBlockOptions } from "../block/index.js";
import { type JsonValue, secret } from "../schema/index.js";
import { clearSecretReferenceCache, type SecretSource } from "../secrets/index.js";

/** How a `Secret` holds bytes that are not text: `{ "$bytes": "<base64>" }`. */
export interface SecretBytes {
  $bytes: string;
}

/** True for a `Secret` value that holds bytes (`{ "$bytes": "<base64>" }`). */
export function isSecretBytes(value: unknown): value is SecretBytes {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { $bytes?: unknown }).$bytes === "string"
  );
}

/**
 * The `secret` block type (`secret/<name>`): one secret value — a string or any JSON value —
 * encrypted at rest and never printed. Other blocks' secret fields can reference it
 * (`{ "$reference": "secret/<name>" }`), and templates can use it
 * (`{{ blocks.secret.<name> }}` gives the value itself).
 *
 * ```ts
 * await new Secret({ value: "s3cr3t" }).save("db-password", { overwrite: true });
 * const password = await (await Secret.load("db-password")).get();
 * ```
 *
 * Bytes that are not text (a keystore, a binary token) are held exactly with
 * `Secret.fromBytes(bytes)` and read back with `getBytes()`; the stored value is
 * `{ "$bytes": "<base64>" }`.
 */
export class Secret
  extends defineBlock({
    type: "secret",
    title: "Secret",
    description:
      "A secret value (a string or any JSON value), encrypted at rest and masked wherever it is printed.",
    capabilities: ["secret-source"],
    version: "1.0.0",
    schema: z.object({ value: secret({ json: true }) }),
  })
  implements SecretSource
{
  /**
   * Saves the secret (see `Block.save`) and drops cached reference values, so references to it
   * in this process see the new value at once (other processes within the cache TTL).
   */
  override async save(name: string, options?: SaveBlockOptions): Promise<this> {
    await super.save(name, options);
    clearSecretReferenceCache();
    return this;
  }

  /** A secret holding `bytes` exactly (stored as `{ "$bytes": "<base64>" }`). */
  static fromBytes(bytes: Uint8Array): Secret {
    return new Secret({ value: { $bytes: Buffer.from(bytes).toString("base64") } });
  }

  /**
   * The value as bytes: the exact bytes of a secret made with `fromBytes`, the UTF-8 bytes of a
   * string, or the UTF-8 bytes of the JSON text of any other value.
   */
  async getBytes(): Promise<Buffer> {
    const value = await this.get();
    if (isSecretBytes(value)) return Buffer.from(value.$bytes, "base64");
    return Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8");
  }

  /** The plaintext value (decrypted, or resolved when the value is itself a reference). */
  get(): Promise<JsonValue> {
    return this.value.reveal();
  }

  /** The plaintext value: the `secret-source` capability, so references to `secret/<name>` resolve. */
  readSecret(): Promise<JsonValue> {
    return this.get();
  }
}

// Registered now, not on first use: `loadBlock("secret/<name>")` (a reference resolved in a process
// that never touched `Secret`) must build this class, with `readSecret()`, not its base.
registerBlockType(Secret);
