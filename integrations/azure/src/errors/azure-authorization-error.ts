import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * Azure Storage refused a request on a container: the key or signature does not authenticate, or
 * the SAS or role lacks the permission. Not retried.
 */
export class AzureAuthorizationError extends TesseraError {
  static readonly code = "AZURE_AUTHORIZATION_FAILED";
  /** The container the request was for. */
  readonly container: string;
  /** What was being done, such as `upload` or `list`. */
  readonly operation: string;
  /** Azure's error code, such as `AuthorizationPermissionMismatch`, when it sent one. */
  readonly azureCode: string | undefined;

  constructor(
    details: { container: string; operation: string; azureCode?: string } & TesseraErrorOptions,
  ) {
    const { container, operation, azureCode } = details;
    super(
      AzureAuthorizationError.code,
      `Azure Storage refused to ${operation} in container "${container}"${azureCode === undefined ? "" : ` (${azureCode})`}. ${details.advice ?? adviceFor(azureCode)}`,
      details,
    );
    this.container = container;
    this.operation = operation;
    this.azureCode = azureCode;
  }

  static override isInstance(value: unknown): value is AzureAuthorizationError {
    return isTesseraErrorWithCode(value, AzureAuthorizationError.code);
  }
}

function adviceFor(azureCode: string | undefined): string {
  switch (azureCode) {
    case "AuthorizationPermissionMismatch":
    case "AuthorizationResourceTypeMismatch":
    case "AuthorizationServiceMismatch":
      return "The SAS token or the identity's role lacks this permission: issue a SAS with read, write, delete and list on the container (an account SAS for container-level operations), or grant the role Storage Blob Data Contributor on it.";
    case "AuthenticationFailed":
      return "The account key or SAS signature does not match, or the SAS has expired: copy the key or token again from the storage account.";
    default:
      return "Check the credentials of the block's azure-blob-storage-credentials and their permissions on the container.";
  }
}
