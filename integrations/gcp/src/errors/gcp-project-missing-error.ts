import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * A block needs a Google Cloud project to name its resources, and neither it nor its
 * gcp-credentials give one (no `project` field, no `project_id` in the service-account key).
 */
export class GcpProjectMissingError extends TesseraError {
  static readonly code = "GCP_PROJECT_MISSING";
  /** What needed the project, such as `secret "db-password"`. */
  readonly subject: string;

  constructor(details: { subject: string } & TesseraErrorOptions) {
    super(
      GcpProjectMissingError.code,
      `No Google Cloud project is known for ${details.subject}. ${details.advice ?? "Set project on the block or on its gcp-credentials, or use a service-account key that carries project_id."}`,
      details,
    );
    this.subject = details.subject;
  }

  static override isInstance(value: unknown): value is GcpProjectMissingError {
    return isTesseraErrorWithCode(value, GcpProjectMissingError.code);
  }
}
