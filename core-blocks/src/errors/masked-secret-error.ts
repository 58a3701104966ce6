import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/**
 * Input written back from masked output holds the mask text `********` in a secret field. Tessera
 * does not guess whether that means "keep the stored secret" or is the secret's real text: the
 * input must say so, with `{ "$keep": true }` or by asking for literal secrets.
 */
export class MaskedSecretError extends TesseraError {
  static readonly code = "MASKED_SECRET";
  /** Where the input came from (a file path, `-` for standard input). */
  readonly subject: string;
  /** Dotted paths of the secret fields that hold the mask text. */
  readonly paths: string[];

  constructor(subject: string, paths: string[], literalHint: string) {
    const listed = paths.join(", ");
    super(
      MaskedSecretError.code,
      `${subject} holds the mask text "********" in secret field${paths.length === 1 ? "" : "s"} ${listed}. Write { "$keep": true } there to keep the stored secret, or pass ${literalHint} if "********" is the secret's real text.`,
    );
    this.subject = subject;
    this.paths = paths;
  }

  static override isInstance(value: unknown): value is MaskedSecretError {
    return isTesseraErrorWithCode(value, MaskedSecretError.code);
  }
}
