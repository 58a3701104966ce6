import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** AWS Secrets Manager refused a request on a secret: the credentials lack the permission. */
export class SecretAccessDeniedError extends TesseraError {
  static readonly code = "SECRET_ACCESS_DENIED";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;
  /** The Secrets Manager operation that was refused, such as `GetSecretValue`. */
  readonly operation: string;

  constructor(secretName: string, operation: string, options: TesseraErrorOptions = {}) {
    super(
      SecretAccessDeniedError.code,
      `Access denied to AWS secret "${secretName}" (${operation}). Check that the block's aws-credentials allow secretsmanager:${operation} on it (and kms:Decrypt on its key).`,
      options,
    );
    this.secretName = secretName;
    this.operation = operation;
  }

  static override isInstance(value: unknown): value is SecretAccessDeniedError {
    return isTesseraErrorWithCode(value, SecretAccessDeniedError.code);
  }
}
