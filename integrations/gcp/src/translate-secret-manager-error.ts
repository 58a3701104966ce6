import { TesseraError } from "@tessera/core";
import {
  GcpRequestError,
  GcpSecretAccessDeniedError,
  GcpSecretNotFoundError,
  GcpSecretVersionUnavailableError,
} from "./errors/index.js";
import { retryableStatuses } from "./retries.js";

/** gRPC status codes by number, as the client reports them on some failures. */
const CANONICAL_BY_CODE = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The canonical status Google's HTTP/JSON mapping gives an HTTP status without a body. */
const CANONICAL_BY_HTTP: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** What a failed Secret Manager call tells, with nothing of its request (which may carry a value). */
export interface SecretManagerFailure {
  /** The HTTP status, when there was a response. */
  httpStatus: number | undefined;
  /** Google's canonical status, such as `NOT_FOUND` (or a connection error code, `ECONNRESET`). */
  status: string | undefined;
  /** Google's message (from its error JSON), or the client's. */
  message: string;
}

/**
 * Reads a failure of the Secret Manager client on its HTTP/JSON transport. The client reports an
 * HTTP error with the HTTP status as `code` and Google's error JSON as the message; errors it
 * builds itself carry a gRPC code. Only the status and Google's message are kept: the client's
 * error object also holds the request, whose body may be a secret's value.
 */
export function describeSecretManagerError(error: unknown): SecretManagerFailure {
  const record = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    status?: unknown;
    message?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  const rawMessage = typeof record.message === "string" ? record.message : String(error);
  const google = googleError(rawMessage) ?? googleError(record.response?.data);
  let httpStatus: number | undefined;
  if (typeof record.status === "number") httpStatus = record.status;
  else if (typeof record.response?.status === "number") httpStatus = record.response.status;
  else if (typeof record.code === "number" && record.code >= 100) httpStatus = record.code;
  else if (typeof google?.code === "number") httpStatus = google.code;
  let status = typeof google?.status === "string" ? google.status : undefined;
  if (status === undefined && typeof record.code === "number" && record.code < 100) {
    status = CANONICAL_BY_CODE[record.code];
  }
  if (status === undefined && typeof record.code === "string") status = record.code;
  if (status === undefined && httpStatus !== undefined) status = CANONICAL_BY_HTTP[httpStatus];
  const message =
    typeof google?.message === "string" ? google.message : (rawMessage.split("\n")[0] ?? "");
  return { httpStatus, status, message };
}

function googleError(
  value: unknown,
): { code?: unknown; message?: unknown; status?: unknown } | undefined {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const inner = (parsed as { error?: unknown } | null | undefined)?.error;
  return typeof inner === "object" && inner !== null
    ? (inner as Record<string, unknown>)
    : undefined;
}

/** Connection failures worth another try: the request may not have reached Secret Manager. */
const transientCodes = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/** True for a failure worth retrying an idempotent read: 408, 429, 5xx, or a lost connection. */
export function isTransientSecretManagerError(error: unknown): boolean {
  if (TesseraError.isInstance(error)) return false;
  const { httpStatus, status } = describeSecretManagerError(error);
  if (httpStatus !== undefined) return retryableStatuses.has(httpStatus);
  return (
    status === "UNAVAILABLE" ||
    status === "RESOURCE_EXHAUSTED" ||
    (status !== undefined && transientCodes.has(status))
  );
}

/** What a Secret Manager call was about, for the error that names it. */
export interface SecretCallContext {
  secretName: string;
  project: string;
  operation: string;
  version?: string;
  slug?: string;
}

/**
 * Turns a Secret Manager client error into a Tessera error naming the secret and its project
 * (never its value): `SECRET_NOT_FOUND`, `SECRET_ACCESS_DENIED`, `SECRET_VERSION_UNAVAILABLE`, or
 * `GCP_REQUEST_FAILED`. The cause is a plain error with Google's status and message only.
 */
export function translateSecretManagerError(error: unknown, context: SecretCallContext): unknown {
  if (TesseraError.isInstance(error)) return error;
  if ((error as Error | undefined)?.name === "AbortError") return error;
  const { httpStatus, status, message } = describeSecretManagerError(error);
  const cause = new Error(
    `${status ?? "error"}${httpStatus === undefined ? "" : ` (HTTP ${httpStatus})`}: ${message}`,
  );
  const names = {
    secretName: context.secretName,
    project: context.project,
    ...(context.slug === undefined ? {} : { slug: context.slug }),
  };
  if (status === "NOT_FOUND") {
    return new GcpSecretNotFoundError({ ...names, version: context.version, cause });
  }
  if (status === "PERMISSION_DENIED" || status === "UNAUTHENTICATED") {
    return new GcpSecretAccessDeniedError({ ...names, operation: context.operation, cause });
  }
  if (status === "FAILED_PRECONDITION" && context.version !== undefined) {
    const state = /DESTROYED/.test(message)
      ? "DESTROYED"
      : /DISABLED/.test(message)
        ? "DISABLED"
        : undefined;
    return new GcpSecretVersionUnavailableError({
      ...names,
      version: context.version,
      state,
      cause,
    });
  }
  return new GcpRequestError({
    service: "Secret Manager",
    operation: context.operation,
    resource: `secret "${context.secretName}" in project "${context.project}"${context.slug === undefined ? "" : ` (block ${context.slug})`}`,
    status: httpStatus,
    reason: `${status ?? "error"}${httpStatus === undefined ? "" : ` (HTTP ${httpStatus})`}: ${message}`,
    cause,
  });
}

/**
 * The Secret Manager client could not be set up, almost always because no credentials were found
 * (application-default credentials missing, `GOOGLE_APPLICATION_CREDENTIALS` naming no file):
 * `GCP_REQUEST_FAILED` saying so. Tessera errors pass through unchanged.
 */
export function clientSetupError(error: unknown, context: SecretCallContext): unknown {
  if (TesseraError.isInstance(error)) return error;
  const { message } = describeSecretManagerError(error);
  return new GcpRequestError({
    service: "Secret Manager",
    operation: context.operation,
    resource: `secret "${context.secretName}" in project "${context.project}"${context.slug === undefined ? "" : ` (block ${context.slug})`}`,
    reason: `the client could not be set up: ${message}`,
    advice:
      "No usable credentials were found: give the block's gcp-credentials a serviceAccountInfo or serviceAccountFile, or set up application-default credentials where this runs (workload identity, GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login).",
    cause: new Error(message),
  });
}
