/** What an AWS SDK error looks like from outside: its name and the HTTP status, when it has them. */
export function describeSdkError(error: unknown): { name: string; status: number | undefined } {
  const name =
    typeof error === "object" && error !== null && typeof (error as Error).name === "string"
      ? (error as Error).name
      : "Error";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return { name, status };
}

/**
 * Whether AWS refused a request because it was signed with a clock too far from AWS's own. The
 * SDK corrects its clock from the server's answer and retries once; this error remains only when
 * that correction did not help.
 */
export function isClockSkewError(name: string, message: string): boolean {
  return (
    name === "RequestTimeTooSkewed" ||
    name === "RequestExpired" ||
    (name === "InvalidSignatureException" && /signature expired/i.test(message))
  );
}

/** What to do about a clock skew error (see `isClockSkewError`). */
export const clockSkewAdvice =
  "This machine's clock is more than 15 minutes away from AWS's, and the SDK's clock correction did not help: synchronise the clock (for example with NTP) and retry.";
