import { inspect } from "node:util";
import { InvalidInputError } from "../errors/index.js";
import { secretMarkerKey } from "../protocol/index.js";
import type { JsonValue } from "../schema/json.js";
import type { BlockStore } from "../store/index.js";
import { rememberSecret } from "./redactor.js";
import { parseSecretReference, resolveSecretReference } from "./secret-reference.js";

/** What every masked secret prints as. */
export const SECRET_MASK = "********";

/** Where a secret's plaintext comes from, without revealing it. */
export type SecretOrigin =
  /** Plaintext held in memory (given by the caller). */
  | { kind: "value" }
  /** Stored encrypted; decrypted on `reveal()`. */
  | { kind: "stored" }
  /** A pointer resolved on `reveal()`: `secret/<name>`, `env:NAME` or `<type>/<name>` of a secret source. */
  | { kind: "reference"; reference: string }
  /** "Keep the stored secret": written back from masked output. */
  | { kind: "keep" }
  /** A string built by `resolveTemplate` from placeholders, at least one of which is a secret. */
  | { kind: "template"; template: string };

/**
 * A secret field's value. It prints as `********` everywhere (`String()`, template literals,
 * `JSON.stringify`, `util.inspect`, `console.log`); the plaintext is only reachable through
 * `await value.reveal()`.
 */
export class SecretValue<T extends JsonValue = JsonValue> {
  readonly #resolve: () => Promise<T>;
  /** Where the plaintext comes from. Never the plaintext. */
  readonly origin: SecretOrigin;

  private constructor(origin: SecretOrigin, resolve: () => Promise<T>) {
    this.origin = origin;
    this.#resolve = resolve;
  }

  /**
   * A secret whose plaintext the caller holds. The plaintext is remembered by the redactor, so it
   * is scrubbed from Tessera's error messages and debug log from now on.
   */
  static from<T extends JsonValue>(plaintext: T): SecretValue<T> {
    rememberSecret(plaintext);
    return new SecretValue<T>({ kind: "value" }, () => Promise.resolve(plaintext));
  }

  /** A secret resolved on demand (decryption, a reference). For the library's own use. */
  static lazy<T extends JsonValue>(
    origin: SecretOrigin,
    resolve: () => Promise<T>,
  ): SecretValue<T> {
    let pending: Promise<T> | undefined;
    return new SecretValue<T>(origin, () => {
      pending ??= resolve().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    });
  }

  /**
   * The marker for "keep the stored secret": saving a document whose secret field holds it keeps
   * the value already stored at that path. Use it to write back output that showed `********`.
   */
  static keep(): SecretValue<never> {
    return new SecretValue<never>({ kind: "keep" }, () =>
      Promise.reject(
        new InvalidInputError({
          subject: "$keep",
          message:
            "A keep marker has no value of its own: it only tells save to keep the stored secret. Load the block again to reveal the stored value.",
        }),
      ),
    );
  }

  /**
   * A secret that points elsewhere and is resolved on every `reveal()` (block references through
   * a short cache, see `configureSecretReferences`): `secret/<name>` (a Secret block),
   * `env:NAME` (an environment variable) or `<type>/<name>` of a block with the `secret-source`
   * capability (such as `aws-secret/db-password`). Blocks are loaded from `options.store`, else
   * the default store. A malformed reference is `SECRET_REFERENCE_UNRESOLVED` right away; a
   * missing block or unset variable is the same error on `reveal()`, naming the reference.
   */
  static reference(
    reference: string,
    options: { store?: BlockStore; cacheTtlMs?: number } = {},
  ): SecretValue {
    parseSecretReference(reference);
    return new SecretValue({ kind: "reference", reference }, () =>
      resolveSecretReference(reference, options),
    );
  }

  /** True when `value` is a `SecretValue`, even one from another copy of `@tessera/core`. */
  static isInstance(value: unknown): value is SecretValue {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[secretMarkerKey] === true
    );
  }

  get [secretMarkerKey](): true {
    return true;
  }

  /**
   * The plaintext. May do I/O (decryption, resolving a reference). The value is remembered by the
   * redactor, so it is scrubbed from Tessera's error messages and debug log.
   */
  async reveal(): Promise<T> {
    const plaintext = await this.#resolve();
    rememberSecret(plaintext);
    return plaintext;
  }

  toString(): string {
    return SECRET_MASK;
  }

  toJSON(): string {
    return SECRET_MASK;
  }

  [Symbol.toPrimitive](): string {
    return SECRET_MASK;
  }

  [inspect.custom](): string {
    return `SecretValue(${SECRET_MASK})`;
  }
}
