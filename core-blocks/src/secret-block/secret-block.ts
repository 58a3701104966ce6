import { z } from "zod";
import { defineBlock, registerBlockType, type SaveBlockOptions } from "../block/index.js";
import { type JsonValue, secret } from "../schema/index.js";
import { clearSecretReferenceCache, type SecretSource } from "../secrets/index.js";

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
