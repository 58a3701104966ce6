import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** S3 refused a request on a bucket: the credentials lack the permission. Not retried. */
export class S3AccessDeniedError extends TesseraError {
  static readonly code = "S3_ACCESS_DENIED";
  /** The bucket the request was for. */
  readonly bucket: string;
  /** The S3 operation that was refused, such as `PutObject`. */
  readonly operation: string;

  constructor(details: { bucket: string; operation: string } & TesseraErrorOptions) {
    const { bucket, operation } = details;
    super(
      S3AccessDeniedError.code,
      `Access denied to S3 bucket "${bucket}" (${operation}). ${details.advice ?? `Check that the credentials in the block's aws-credentials allow s3:${operation.replace(/V2$/, "")} on arn:aws:s3:::${bucket}, and that the bucket policy does not deny them.`}`,
      details,
    );
    this.bucket = bucket;
    this.operation = operation;
  }

  static override isInstance(value: unknown): value is S3AccessDeniedError {
    return isTesseraErrorWithCode(value, S3AccessDeniedError.code);
  }
}
