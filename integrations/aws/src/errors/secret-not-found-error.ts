import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** AWS Secrets Manager has no such secret, or no such version of it. Not retried. */
export class SecretNotFoundError extends TesseraError {
  static readonly code = "SECRET_NOT_FOUND";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;
  /** The version id or stage asked for, when one was. */
  readonly version: string | undefined;

  /** The `aws-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(
    details: {
      secretName: string;
      version?: string | undefined;
      slug?: string | undefined;
    } & TesseraErrorOptions,
  ) {
    const { secretName } = details;
    const what = details.version === undefined ? "" : ` (version ${details.version})`;
    const block = details.slug === undefined ? "" : ` for block ${details.slug}`;
    super(
      SecretNotFoundError.code,
      `AWS Secrets Manager has no secret "${secretName}"${what}${block}. ${details.advice ?? "Check secretName and the region in the block's credentials, or create it with writeSecret()."}`,
      details,
    );
    this.secretName = secretName;
    this.version = details.version;
    this.slug = details.slug;
  }

  static override isInstance(value: unknown): value is SecretNotFoundError {
    return isTesseraErrorWithCode(value, SecretNotFoundError.code);
  }
}
