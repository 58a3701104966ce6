import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** AWS Secrets Manager has no such secret, or no such version of it. Not retried. */
export class SecretNotFoundError extends TesseraError {
  static readonly code = "SECRET_NOT_FOUND";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;
  /** The version id or stage asked for, when one was. */
  readonly version: string | undefined;

  constructor(secretName: string, version?: string, options: TesseraErrorOptions = {}) {
    const what = version === undefined ? "" : ` (version ${version})`;
    super(
      SecretNotFoundError.code,
      `AWS Secrets Manager has no secret "${secretName}"${what}. Check secretName and the region in the block's credentials, or create it with writeSecret().`,
      options,
    );
    this.secretName = secretName;
    this.version = version;
  }

  static override isInstance(value: unknown): value is SecretNotFoundError {
    return isTesseraErrorWithCode(value, SecretNotFoundError.code);
  }
}
