import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** Google Cloud Secret Manager has no such secret in the project, or no such version of it. Not retried. */
export class GcpSecretNotFoundError extends TesseraError {
  static readonly code = "SECRET_NOT_FOUND";
  /** The secret's id in Secret Manager. */
  readonly secretName: string;
  /** The project the secret was looked up in. */
  readonly project: string;
  /** The version asked for (`latest` or a number), when the request was about a version. */
  readonly version: string | undefined;
  /** The `gcp-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(
    details: {
      secretName: string;
      project: string;
      version?: string | undefined;
      slug?: string | undefined;
    } & TesseraErrorOptions,
  ) {
    const { secretName, project } = details;
    const what =
      details.version === undefined || details.version === "latest"
        ? ""
        : ` (version ${details.version})`;
    const block = details.slug === undefined ? "" : ` for block ${details.slug}`;
    super(
      GcpSecretNotFoundError.code,
      `Google Cloud Secret Manager has no secret "${secretName}"${what} in project "${project}"${block}, or it has no versions. ${details.advice ?? "Check secretName and the project (the block's project, else its gcp-credentials' project), or create it with writeSecret()."}`,
      details,
    );
    this.secretName = secretName;
    this.project = project;
    this.version = details.version;
    this.slug = details.slug;
  }

  static override isInstance(value: unknown): value is GcpSecretNotFoundError {
    return isTesseraErrorWithCode(value, GcpSecretNotFoundError.code);
  }
}
