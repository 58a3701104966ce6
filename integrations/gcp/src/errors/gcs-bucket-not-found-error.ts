import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** The GCS bucket a block names does not exist. Not retried. */
export class GcsBucketNotFoundError extends TesseraError {
  static readonly code = "GCS_BUCKET_NOT_FOUND";
  /** The bucket's name. */
  readonly bucket: string;

  constructor(details: { bucket: string } & TesseraErrorOptions) {
    super(
      GcsBucketNotFoundError.code,
      `GCS bucket "${details.bucket}" does not exist. ${details.advice ?? "Create it (gcloud storage buckets create gs://<name>), or correct the block's bucket field."}`,
      details,
    );
    this.bucket = details.bucket;
  }

  static override isInstance(value: unknown): value is GcsBucketNotFoundError {
    return isTesseraErrorWithCode(value, GcsBucketNotFoundError.code);
  }
}
