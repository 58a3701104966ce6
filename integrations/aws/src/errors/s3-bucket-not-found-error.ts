import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** The S3 bucket named by an `s3-bucket` block does not exist (in that region or endpoint). */
export class S3BucketNotFoundError extends TesseraError {
  static readonly code = "S3_BUCKET_NOT_FOUND";
  /** The bucket that was not found. */
  readonly bucket: string;

  constructor(details: { bucket: string } & TesseraErrorOptions) {
    super(
      S3BucketNotFoundError.code,
      `S3 bucket "${details.bucket}" does not exist. ${details.advice ?? "Create it, or correct bucketName (and the region or endpoint in its credentials)."}`,
      details,
    );
    this.bucket = details.bucket;
  }

  static override isInstance(value: unknown): value is S3BucketNotFoundError {
    return isTesseraErrorWithCode(value, S3BucketNotFoundError.code);
  }
}
