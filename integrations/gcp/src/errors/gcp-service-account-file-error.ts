import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * The service-account key file of a `gcp-credentials` block could not be used on this machine:
 * it is missing, unreadable, not JSON, or lacks a field. Checked when a client is first made, not
 * when the block is loaded, so a block that names a file only some machines have still loads
 * everywhere.
 */
export class GcpServiceAccountFileError extends TesseraError {
  static readonly code = "GCP_SERVICE_ACCOUNT_FILE_UNUSABLE";
  /** The path the block names (after `~` expansion). */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(details: { path: string; reason: string } & TesseraErrorOptions) {
    super(
      GcpServiceAccountFileError.code,
      `Cannot use the service-account key file "${details.path}": ${details.reason}. ${details.advice ?? "Put the key file at that path on this machine, store its contents in serviceAccountInfo instead, or leave both unset to use application-default credentials."}`,
      details,
    );
    this.path = details.path;
    this.reason = details.reason;
  }

  static override isInstance(value: unknown): value is GcpServiceAccountFileError {
    return isTesseraErrorWithCode(value, GcpServiceAccountFileError.code);
  }
}
