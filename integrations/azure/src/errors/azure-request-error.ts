import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** A request to Azure Blob Storage failed for a reason without an error of its own. */
export class AzureRequestError extends TesseraError {
  static readonly code = "AZURE_REQUEST_FAILED";
  /** What was being done, such as `upload`. */
  readonly operation: string;
  /** The container, or container and blob, it was for. */
  readonly resource: string;
  /** Azure's error code, when it sent one. */
  readonly azureCode: string | undefined;
  /** HTTP status, when there was a reply. */
  readonly status: number | undefined;

  constructor(
    details: {
      operation: string;
      resource: string;
      reason: string;
      azureCode?: string;
      status?: number;
    } & TesseraErrorOptions,
  ) {
    super(
      AzureRequestError.code,
      `Azure Blob Storage ${details.operation} of ${details.resource} failed: ${details.reason}. ${details.advice ?? "The request was retried as configured (retryOptions of the credentials); check that the account is reachable and try again."}`,
      details,
    );
    this.operation = details.operation;
    this.resource = details.resource;
    this.azureCode = details.azureCode;
    this.status = details.status;
  }

  static override isInstance(value: unknown): value is AzureRequestError {
    return isTesseraErrorWithCode(value, AzureRequestError.code);
  }
}
