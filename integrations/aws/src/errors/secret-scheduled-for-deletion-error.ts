import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** The secret is scheduled for deletion: AWS refuses to read or write it until it is restored. */
export class SecretScheduledForDeletionError extends TesseraError {
  static readonly code = "SECRET_SCHEDULED_FOR_DELETION";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;

  constructor(secretName: string, options: TesseraErrorOptions = {}) {
    super(
      SecretScheduledForDeletionError.code,
      `AWS secret "${secretName}" is scheduled for deletion and cannot be used. Restore it (aws secretsmanager restore-secret --secret-id ${secretName}) or use another secretName.`,
      options,
    );
    this.secretName = secretName;
  }

  static override isInstance(value: unknown): value is SecretScheduledForDeletionError {
    return isTesseraErrorWithCode(value, SecretScheduledForDeletionError.code);
  }
}
