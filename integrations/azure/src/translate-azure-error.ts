import { TesseraError } from "@tessera/core";
import {
  AzureAuthorizationError,
  AzureContainerNotFoundError,
  AzureRequestError,
} from "./errors/index.js";

/** The parts of an SDK error (`RestError`) that decide what it means. */
export function describeAzureError(error: unknown): {
  name: string;
  status: number | undefined;
  code: string | undefined;
} {
  const value = error as
    | { name?: unknown; statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } }
    | undefined;
  const status = typeof value?.statusCode === "number" ? value.statusCode : undefined;
  const detailCode = value?.details?.errorCode;
  const code =
    typeof detailCode === "string"
      ? detailCode
      : typeof value?.code === "string"
        ? value.code
        : undefined;
  return { name: typeof value?.name === "string" ? value.name : "Error", status, code };
}

const authorizationCodes = new Set([
  "AuthenticationFailed",
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationSourceIPMismatch",
  "InvalidAuthenticationInfo",
]);

/**
 * Turns an Azure SDK error into a Tessera error naming the container: `AZURE_CONTAINER_NOT_FOUND`,
 * `AZURE_AUTHORIZATION_FAILED`, or `AZURE_REQUEST_FAILED` with the SDK error as the cause.
 * Tessera errors and aborts pass through unchanged.
 */
export function translateAzureError(
  error: unknown,
  context: { container: string; accountUrl: string; operation: string; blob?: string },
): unknown {
  if (TesseraError.isInstance(error)) return error;
  const { name, status, code } = describeAzureError(error);
  if (name === "AbortError") return error;
  if (code === "ContainerNotFound") {
    return new AzureContainerNotFoundError({
      container: context.container,
      accountUrl: context.accountUrl,
      cause: error,
    });
  }
  if (status === 403 || (code !== undefined && authorizationCodes.has(code))) {
    return new AzureAuthorizationError({
      container: context.container,
      operation: context.operation,
      ...(code === undefined ? {} : { azureCode: code }),
      cause: error,
    });
  }
  const firstLine = ((error as Error | undefined)?.message ?? String(error)).split("\n")[0] ?? "";
  return new AzureRequestError({
    operation: context.operation,
    resource:
      context.blob === undefined
        ? `container "${context.container}"`
        : `"${context.blob}" in container "${context.container}"`,
    reason: `${code ?? name}${status === undefined ? "" : ` (HTTP ${status})`}: ${firstLine}`,
    ...(code === undefined ? {} : { azureCode: code }),
    ...(status === undefined ? {} : { status }),
    cause: error,
  });
}
