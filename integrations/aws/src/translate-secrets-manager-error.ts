import { TesseraError } from "@tessera/core";
import { clockSkewAdvice, describeSdkError, isClockSkewError } from "./describe-sdk-error.js";
import {
  AwsRequestError,
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretScheduledForDeletionError,
} from "./errors/index.js";

/**
 * Turns a Secrets Manager SDK error into a Tessera error naming the secret (never its value):
 * `SECRET_NOT_FOUND`, `SECRET_ACCESS_DENIED`, `SECRET_SCHEDULED_FOR_DELETION`, or
 * `AWS_REQUEST_FAILED` with the SDK error as the cause.
 */
export function translateSecretsManagerError(
  error: unknown,
  context: { secretName: string; operation: string; version?: string; slug?: string },
): unknown {
  if (TesseraError.isInstance(error)) return error;
  const { name, status } = describeSdkError(error);
  if (name === "AbortError") return error;
  const message = (error as Error | undefined)?.message ?? "";
  if (name === "ResourceNotFoundException") {
    return new SecretNotFoundError({
      secretName: context.secretName,
      version: context.version,
      slug: context.slug,
      cause: error,
    });
  }
  const skewed = isClockSkewError(name, message);
  if (!skewed && (name === "AccessDeniedException" || status === 403)) {
    return new SecretAccessDeniedError({
      secretName: context.secretName,
      operation: context.operation,
      slug: context.slug,
      cause: error,
    });
  }
  if (
    name === "InvalidRequestException" &&
    /marked for deletion|scheduled for deletion|marked deleted/i.test(message)
  ) {
    return new SecretScheduledForDeletionError({
      secretName: context.secretName,
      slug: context.slug,
      cause: error,
    });
  }
  return new AwsRequestError({
    service: "Secrets Manager",
    operation: context.operation,
    resource: `secret "${context.secretName}"${context.slug === undefined ? "" : ` (block ${context.slug})`}`,
    awsCode: name,
    reason: `${name}${status === undefined ? "" : ` (HTTP ${status})`}: ${message}`,
    ...(skewed ? { advice: clockSkewAdvice } : {}),
    cause: error,
  });
}
