import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** Cloud Storage refused a request on a bucket (401 or 403): a missing permission. Not retried. */
export class GcsAccessDeniedError extends TesseraError {
  static readonly code = "GCS_ACCESS_DENIED";
  /** The bucket the request was for. */
  readonly bucket: string;
  /** What was attempted, such as `write` or `read`. */
  readonly operation: string;

  constructor(details: { bucket: string; operation: string } & TesseraErrorOptions) {
    super(
      GcsAccessDeniedError.code,
      `Access denied to GCS bucket "${details.bucket}" (${details.operation}). ${details.advice ?? "Grant the service account of the block's gcp-credentials a role with the storage.objects permissions it needs on this bucket (such as roles/storage.objectUser), or use other credentials."}`,
      details,
    );
    this.bucket = details.bucket;
    this.operation = details.operation;
  }

  static override isInstance(value: unknown): value is GcsAccessDeniedError {
    return isTesseraErrorWithCode(value, GcsAccessDeniedError.code);
  }
}
