import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

const defaultAdvice: Record<string, string> = {
  connectionString:
    "Copy it again from the storage account's Access keys (or Shared access signature) page: it looks like DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<key>;EndpointSuffix=core.windows.net.",
  accountKey: "Copy key1 or key2 again from the storage account's Access keys page.",
  sasToken:
    "Copy the SAS token again (the part after the ?, such as sv=…&se=…&sp=…&sig=…) from where it was issued.",
};

/**
 * A secret of an `azure-blob-storage-credentials` block cannot be used: a connection string that
 * is malformed, names no account or carries no credential, an account key that is not base64, a
 * SAS token without its signature. Raised when the block is saved (and again before first use),
 * never with the secret's value in it.
 */
export class AzureCredentialsInvalidError extends TesseraError {
  static readonly code = "AZURE_CREDENTIALS_INVALID";
  /** The field at fault: `connectionString`, `accountKey` or `sasToken`. */
  readonly field: string;
  /** What is wrong with it, without any of its values. */
  readonly reason: string;

  constructor(details: { field: string; reason: string } & TesseraErrorOptions) {
    super(
      AzureCredentialsInvalidError.code,
      `The ${details.field} of the Azure Blob Storage credentials is not usable: ${details.reason}. ${details.advice ?? defaultAdvice[details.field] ?? "Give it again."}`,
      details,
    );
    this.field = details.field;
    this.reason = details.reason;
  }

  static override isInstance(value: unknown): value is AzureCredentialsInvalidError {
    return isTesseraErrorWithCode(value, AzureCredentialsInvalidError.code);
  }
}
