import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * A Google Cloud request failed for a reason without its own error class (after the client's
 * retries, when the failure was transient). Names the service, the operation and the resource.
 */
export class GcpRequestError extends TesseraError {
  static readonly code = "GCP_REQUEST_FAILED";
  /** `Cloud Storage` or `Secret Manager`. */
  readonly service: string;
  /** The operation, such as `write` or `AccessSecretVersion`. */
  readonly operation: string;
  /** What the request was about: `gs://bucket/key`, a secret's resource name. */
  readonly resource: string;
  /** The HTTP status Google answered with, when there was one. */
  readonly status: number | undefined;

  constructor(
    details: {
      service: string;
      operation: string;
      resource: string;
      status?: number | undefined;
      reason: string;
    } & TesseraErrorOptions,
  ) {
    super(
      GcpRequestError.code,
      `${details.service} ${details.operation} on ${details.resource} failed: ${details.reason}. ${details.advice ?? "Check the endpoint and project in the block's gcp-credentials and retry; raise clientOptions.maxRetries there if the service is overloaded."}`,
      details,
    );
    this.service = details.service;
    this.operation = details.operation;
    this.resource = details.resource;
    this.status = details.status;
  }

  static override isInstance(value: unknown): value is GcpRequestError {
    return isTesseraErrorWithCode(value, GcpRequestError.code);
  }
}
