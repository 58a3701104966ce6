import { inspect } from "node:util";
import type { JsonValue } from "../schema/json.js";

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
  | { kind: "keep" };

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

  /** A secret whose plaintext the caller holds. */
  static from<T extends JsonValue>(plaintext: T): SecretValue<T> {
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
        new Error("A keep marker has no value of its own: load the block to reveal it."),
      ),
    );
  }

  /**
   * A secret that points elsewhere and is resolved on `reveal()`: `secret/<name>` (a Secret
   * block), `env:NAME` (an environment variable) or `<type>/<name>` of a block with the
   * `secret-source` capability (such as `aws-secret/db-password`).
   */
  static reference(reference: string): SecretValue {
    return SecretValue.lazy({ kind: "reference", reference }, () =>
      Promise.reject(new Error(`Secret references are not resolved yet (${reference}).`)),
    );
  }

  /** True when `value` is a `SecretValue`, even one from another copy of `@tessera/core`. */
  static isInstance(value: unknown): value is SecretValue {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[Symbol.for("tessera.secret")] === true
    );
  }

  get [Symbol.for("tessera.secret")](): true {
    return true;
  }

  /** The plaintext. May do I/O (decryption, resolving a reference). */
  reveal(): Promise<T> {
    return this.#resolve();
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
