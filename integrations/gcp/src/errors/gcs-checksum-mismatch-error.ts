import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * The CRC32C of bytes sent or received did not match Cloud Storage's. On a write the object was
 * not committed (the previous one is intact); on a read the bytes must not be trusted.
 */
export class GcsChecksumMismatchError extends TesseraError {
  static readonly code = "GCS_CHECKSUM_MISMATCH";
  /** `gs://bucket/key`. */
  readonly resource: string;
  /** `write` or `read`. */
  readonly direction: "write" | "read";

  constructor(details: { resource: string; direction: "write" | "read" } & TesseraErrorOptions) {
    super(
      GcsChecksumMismatchError.code,
      details.direction === "write"
        ? `The upload to ${details.resource} was refused: its CRC32C did not match the bytes Cloud Storage received, so the object was not replaced. ${details.advice ?? "Retry the write; if it keeps failing, check for a proxy that alters request bodies."}`
        : `The bytes read from ${details.resource} do not match the object's CRC32C. ${details.advice ?? "Read it again; if it keeps failing, check for a proxy that alters responses."}`,
      details,
    );
    this.resource = details.resource;
    this.direction = details.direction;
  }

  static override isInstance(value: unknown): value is GcsChecksumMismatchError {
    return isTesseraErrorWithCode(value, GcsChecksumMismatchError.code);
  }
}
