import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";
import { describeSdkError } from "../describe-sdk-error.js";

const defaultAdvice =
  "Check that the role exists, that its trust policy lets the block's base credentials assume it (and asks for this externalId, if any), and that durationSeconds is within the role's maximum session duration.";

/**
 * STS refused or failed to assume the role of an `aws-credentials` block (`assumeRoleArn`). Names
 * the role, never a key or a token; the SDK's error is the `cause`.
 */
export class AssumeRoleFailedError extends TesseraError {
  static readonly code = "AWS_ASSUME_ROLE_FAILED";
  /** The role that could not be assumed. */
  readonly roleArn: string;
  /** The error name STS answered with (`AccessDenied`), when there was one. */
  readonly awsCode: string | undefined;

  constructor(
    details: {
      roleArn: string;
      awsCode?: string;
      /** What STS said went wrong. */
      reason: string;
    } & TesseraErrorOptions,
  ) {
    super(
      AssumeRoleFailedError.code,
      `Could not assume role ${details.roleArn}: ${details.reason}. ${details.advice ?? defaultAdvice}`,
      details,
    );
    this.roleArn = details.roleArn;
    this.awsCode = details.awsCode;
  }

  /** The error for an SDK error of STS AssumeRole; Tessera errors and aborts pass through. */
  static fromSdkError(error: unknown, roleArn: string): unknown {
    if (TesseraError.isInstance(error)) return error;
    const { name, status } = describeSdkError(error);
    if (name === "AbortError") return error;
    const message = (error as Error | undefined)?.message ?? "";
    return new AssumeRoleFailedError({
      roleArn,
      awsCode: name,
      reason: `${name}${status === undefined ? "" : ` (HTTP ${status})`}: ${message}`,
      cause: error,
    });
  }

  static override isInstance(value: unknown): value is AssumeRoleFailedError {
    return isTesseraErrorWithCode(value, AssumeRoleFailedError.code);
  }
}
