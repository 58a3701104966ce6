import { TesseraError } from "@tessera/core";
import {
  GcpRequestError,
  GcsAccessDeniedError,
  GcsBucketNotFoundError,
  GcsChecksumMismatchError,
} from "./errors/index.js";
import { retryableStatuses } from "./retries.js";

/** What a failed Cloud Storage call tells: HTTP status (or the client's error code) and message. */
export function describeGcsError(error: unknown): {
  status: number | undefined;
  code: string | undefined;
  message: string;
} {
  const record = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    status?: unknown;
    message?: unknown;
  };
  const status =
    typeof record.code === "number"
      ? record.code
      : typeof record.status === "number"
        ? record.status
        : undefined;
  const code = typeof record.code === "string" ? record.code : undefined;
  const message = typeof record.message === "string" ? record.message : String(error);
  return { status, code, message };
}

/** Connection failures worth another try: the request may not have reached Cloud Storage. */
const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True for a failure Cloud Storage documents as transient (408, 429, 5xx) or a lost connection. */
export function isTransientGcsError(error: unknown): boolean {
  const { status, code } = describeGcsError(error);
  if (status !== undefined) return retryableStatuses.has(status);
  return code !== undefined && transientCodes.has(code);
}

/** True when a 404 is about the bucket, not the object (Google's message says which). */
export function isMissingBucket(error: unknown): boolean {
  const { status, message } = describeGcsError(error);
  return status === 404 && message.includes("bucket does not exist");
}

/**
 * Turns a Cloud Storage client error into a Tessera error naming the bucket:
 * `GCS_BUCKET_NOT_FOUND`, `GCS_ACCESS_DENIED`, `GCS_CHECKSUM_MISMATCH`, or `GCP_REQUEST_FAILED`
 * with the client's error as the cause. Tessera errors and aborts pass through unchanged.
 */
export function translateGcsError(
  error: unknown,
  context: { bucket: string; operation: string; key?: string },
): unknown {
  if (TesseraError.isInstance(error)) return error;
  if ((error as Error | undefined)?.name === "AbortError") return error;
  const { status, code, message } = describeGcsError(error);
  const resource =
    context.key === undefined ? `gs://${context.bucket}` : `gs://${context.bucket}/${context.key}`;
  if (isMissingBucket(error))
    return new GcsBucketNotFoundError({ bucket: context.bucket, cause: error });
  if (status === 401 || status === 403) {
    return new GcsAccessDeniedError({
      bucket: context.bucket,
      operation: context.operation,
      cause: error,
    });
  }
  if (code === "CONTENT_DOWNLOAD_MISMATCH" || code === "FILE_NO_UPLOAD") {
    return new GcsChecksumMismatchError({
      resource,
      direction: code === "FILE_NO_UPLOAD" ? "write" : "read",
      cause: error,
    });
  }
  // Cloud Storage refused an upload whose bytes did not match the checksum sent with it.
  if (status === 400 && /CRC32C|MD5/.test(message) && message.includes("match")) {
    return new GcsChecksumMismatchError({ resource, direction: "write", cause: error });
  }
  return new GcpRequestError({
    service: "Cloud Storage",
    operation: context.operation,
    resource,
    status,
    reason: `${status === undefined ? (code ?? "error") : `HTTP ${status}`}: ${firstLine(message)}`,
    cause: error,
  });
}

/** Google's error message, also when the client passed the raw error JSON as the message. */
function firstLine(message: string): string {
  try {
    const parsed = JSON.parse(message) as { error?: { message?: string } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // not JSON
  }
  return message.split("\n")[0] ?? message;
}
