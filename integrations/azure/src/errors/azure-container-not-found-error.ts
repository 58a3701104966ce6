import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** The container named by an `azure-blob-storage-container` block does not exist in the account. */
export class AzureContainerNotFoundError extends TesseraError {
  static readonly code = "AZURE_CONTAINER_NOT_FOUND";
  /** The container that was not found. */
  readonly container: string;
  /** The storage account's blob endpoint. */
  readonly accountUrl: string;

  constructor(details: { container: string; accountUrl: string } & TesseraErrorOptions) {
    super(
      AzureContainerNotFoundError.code,
      `Azure Blob container "${details.container}" does not exist at ${details.accountUrl}. ${details.advice ?? "Create it (az storage container create --name <container>), or correct containerName or the account in the credentials."}`,
      details,
    );
    this.container = details.container;
    this.accountUrl = details.accountUrl;
  }

  static override isInstance(value: unknown): value is AzureContainerNotFoundError {
    return isTesseraErrorWithCode(value, AzureContainerNotFoundError.code);
  }
}
