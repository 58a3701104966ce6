import type { JsonValue } from "../schema/json.js";
import type { SecretValue } from "./secret-value.js";

/**
 * Checks the plaintext of a secret the caller gave in memory (`SecretValue.from`, a plain string
 * in the block's fields) and returns what is wrong with it, in words that never quote it. Stored
 * secrets, references and keep markers are not revealed and pass: they were checked when saved,
 * or are checked where they are used. For blocks that check a secret's shape at save (a token's
 * prefix, a webhook's host).
 */
export async function givenSecretProblem<T extends JsonValue>(
  value: SecretValue<T> | undefined,
  check: (plaintext: T) => string | undefined,
): Promise<string | undefined> {
  if (value === undefined || value.origin.kind !== "value") return undefined;
  return check(await value.reveal());
}
