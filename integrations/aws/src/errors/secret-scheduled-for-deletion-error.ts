import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** The secret is scheduled for deletion: AWS refuses to read or write it until it is restored. */
export class SecretScheduledForDeletionError extends TesseraError {
  static readonly code = "SECRET_SCHEDULED_FOR_DELETION";
  /** The secret's name (or ARN) in Secrets Manager. */
  readonly secretName: string;

  /** The `aws-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(details: { secretName: string; slug?: string } & TesseraErrorOptions) {
    const { secretName, slug } = details;
    const block = slug === undefined ? "" : ` (block ${slug})`;
    super(
      SecretScheduledForDeletionError.code,
      `AWS secret "${secretName}"${block} is scheduled for deletion and cannot be used. ${details.advice ?? `Restore it (aws secretsmanager restore-secret --secret-id ${secretName}) or use another secretName.`}`,
      details,
    );
    this.secretName = secretName;
    this.slug = slug;
  }

  static override isInstance(value: unknown): value is SecretScheduledForDeletionError {
    return isTesseraErrorWithCode(value, SecretScheduledForDeletionError.code);
  }
}
