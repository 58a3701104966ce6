import { NotificationFailedError, type TesseraError } from "@tessera/core";
import type { NotificationDeadline } from "@tessera/core/provider";

/** Connection errors raised before a request left this machine: nothing can have been delivered. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
    const next = current as { original?: unknown; cause?: unknown };
    current = next.original ?? next.cause;
  }
  return undefined;
}

/**
 * `NOTIFICATION_FAILED` for a request to Slack that got no answer, naming the system error (never
 * the SDK's message, which may hold the address), marked `mayHaveBeenDelivered` unless the
 * connection failed before sending. Nothing is retried after it: Slack has no idempotency key, so
 * a retried post may arrive twice.
 */
export function connectionFailure(
  notifier: string,
  error: unknown,
  deliveredParts: number,
): NotificationFailedError {
  const systemCode = systemCodeOf(error) ?? "no answer";
  const earlier =
    deliveredParts > 0
      ? ` after ${deliveredParts} part${deliveredParts === 1 ? "" : "s"} of the message were delivered`
      : "";
  return new NotificationFailedError({
    notifier,
    reason: `the connection to Slack failed (${systemCode})${earlier}`,
    mayHaveBeenDelivered: !NOT_SENT_CODES.has(systemCode),
  });
}

/** The deadline's own error when it ended the request, else `connectionFailure`. */
export function sendFailure(
  deadline: NotificationDeadline,
  error: unknown,
  deliveredParts: number,
): TesseraError {
  return deadline.failure(error) ?? connectionFailure(deadline.notifier, error, deliveredParts);
}
