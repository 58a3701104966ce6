import { TesseraError } from "@tessera/core";
import { clockSkewAdvice, describeSdkError, isClockSkewError } from "./describe-sdk-error.js";
import { AwsRequestError, S3AccessDeniedError, S3BucketNotFoundError } from "./errors/index.js";

const accessDeniedNames = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AllAccessDisabled",
]);

/**
 * Turns an S3 SDK error into a Tessera error naming the bucket: `S3_BUCKET_NOT_FOUND`,
 * `S3_ACCESS_DENIED`, or `AWS_REQUEST_FAILED` with the SDK error as the cause. Tessera errors and
 * aborts pass through unchanged.
 */
export function translateS3Error(
  error: unknown,
  context: { bucket: string; operation: string; key?: string },
): unknown {
  if (TesseraError.isInstance(error)) return error;
  const { name, status } = describeSdkError(error);
  if (name === "AbortError") return error;
  if (name === "NoSuchBucket")
    return new S3BucketNotFoundError({ bucket: context.bucket, cause: error });
  const message = (error as Error | undefined)?.message ?? String(error);
  const skewed = isClockSkewError(name, message);
  if (!skewed && (accessDeniedNames.has(name) || status === 403)) {
    return new S3AccessDeniedError({
      bucket: context.bucket,
      operation: context.operation,
      cause: error,
    });
  }
  const resource =
    context.key === undefined ? `s3://${context.bucket}` : `s3://${context.bucket}/${context.key}`;
  return new AwsRequestError({
    service: "S3",
    operation: context.operation,
    resource,
    awsCode: name,
    reason: `${name}${status === undefined ? "" : ` (HTTP ${status})`}: ${message}`,
    ...(skewed ? { advice: clockSkewAdvice } : {}),
    cause: error,
  });
}
