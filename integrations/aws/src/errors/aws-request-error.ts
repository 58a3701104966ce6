import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

const defaultAdvice =
  "Check the endpoint and region in the block's aws-credentials and retry; raise maxAttempts there if the service is throttling.";

/**
 * An AWS request failed for a reason without its own error class (after the SDK's retries, when
 * the failure was transient). Names the service, the operation and the resource; the SDK's error
 * is the `cause`.
 */
export class AwsRequestError extends TesseraError {
  static readonly code = "AWS_REQUEST_FAILED";
  /** `S3` or `Secrets Manager`. */
  readonly service: string;
  /** The operation, such as `PutObject`. */
  readonly operation: string;
  /** What the request was about: a bucket and key, a secret name. */
  readonly resource: string;
  /** The error name AWS answered with (`SlowDown`, `InternalError`), when there was one. */
  readonly awsCode: string | undefined;

  constructor(
    details: {
      service: string;
      operation: string;
      resource: string;
      awsCode?: string;
      /** What the service said went wrong. */
      reason: string;
    } & TesseraErrorOptions,
  ) {
    super(
      AwsRequestError.code,
      `${details.service} ${details.operation} on ${details.resource} failed: ${details.reason}. ${details.advice ?? defaultAdvice}`,
      details,
    );
    this.service = details.service;
    this.operation = details.operation;
    this.resource = details.resource;
    this.awsCode = details.awsCode;
  }

  static override isInstance(value: unknown): value is AwsRequestError {
    return isTesseraErrorWithCode(value, AwsRequestError.code);
  }
}
