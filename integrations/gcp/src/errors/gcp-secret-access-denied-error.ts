import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * Google Cloud Secret Manager refused a request on a secret (403, or 401 for credentials it does
 * not accept): the credentials lack the permission. Not retried.
 */
export class GcpSecretAccessDeniedError extends TesseraError {
  static readonly code = "SECRET_ACCESS_DENIED";
  /** The secret's id in Secret Manager. */
  readonly secretName: string;
  /** The project of the secret. */
  readonly project: string;
  /** The Secret Manager operation that was refused, such as `AccessSecretVersion`. */
  readonly operation: string;
  /** The `gcp-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(
    details: {
      secretName: string;
      project: string;
      operation: string;
      slug?: string | undefined;
    } & TesseraErrorOptions,
  ) {
    const { secretName, project, operation, slug } = details;
    const block = slug === undefined ? "" : ` for block ${slug}`;
    super(
      GcpSecretAccessDeniedError.code,
      `Access denied to Google Cloud secret "${secretName}" in project "${project}"${block} (${operation}). ${details.advice ?? "Grant the service account of the block's gcp-credentials a role that allows it on this secret (roles/secretmanager.secretAccessor to read, roles/secretmanager.secretVersionAdder or secretmanager.admin to write), or use other credentials."}`,
      details,
    );
    this.secretName = secretName;
    this.project = project;
    this.operation = operation;
    this.slug = slug;
  }

  static override isInstance(value: unknown): value is GcpSecretAccessDeniedError {
    return isTesseraErrorWithCode(value, GcpSecretAccessDeniedError.code);
  }
}
