import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** AWS Secrets Manager refused a request on a secret: the credentials lack the permission. */
export class SecretAccessDeniedError extends TesseraError {
  static readonly code = "SECRET_ACCESS_DENIED";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;
  /** The Secrets Manager operation that was refused, such as `GetSecretValue`. */
  readonly operation: string;

  /** The `aws-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(
    details: { secretName: string; operation: string; slug?: string } & TesseraErrorOptions,
  ) {
    const { secretName, operation, slug } = details;
    const block = slug === undefined ? "" : ` for block ${slug}`;
    super(
      SecretAccessDeniedError.code,
      `Access denied to AWS secret "${secretName}"${block} (${operation}). ${details.advice ?? `Check that the block's aws-credentials allow secretsmanager:${operation} on it (and kms:Decrypt on its key).`}`,
      details,
    );
    this.secretName = secretName;
    this.operation = operation;
    this.slug = slug;
  }

  static override isInstance(value: unknown): value is SecretAccessDeniedError {
    return isTesseraErrorWithCode(value, SecretAccessDeniedError.code);
  }
}
