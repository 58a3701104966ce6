import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

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

  constructor(
    details: {
      subject: string;
      paths: string[];
      /** How the caller passes "********" as a real secret (an option or a flag). */
      literalHint: string;
    } & TesseraErrorOptions,
  ) {
    const { subject, paths, literalHint } = details;
    super(
      MaskedSecretError.code,
      `${subject} holds the mask text "********" in secret field${paths.length === 1 ? "" : "s"} ${paths.join(", ")}. ${details.advice ?? `Write { "$keep": true } there to keep the stored secret, or pass ${literalHint} if "********" is the secret's real text.`}`,
      details,
    );
    this.subject = subject;
    this.paths = paths;
  }

  static override isInstance(value: unknown): value is MaskedSecretError {
    return isTesseraErrorWithCode(value, MaskedSecretError.code);
  }
}
