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
