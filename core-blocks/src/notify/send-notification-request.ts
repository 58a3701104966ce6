import { NotificationFailedError } from "../errors/index.js";
import type { NotificationDeadline } from "./notification-deadline.js";

/** One HTTP request of a notifier. */
export interface NotificationRequest {
  /** Where to send it. A secret: it appears in no error. */
  url: string;
  /** @default "POST" */
  method?: string;
  /** Request headers. @default {} */
  headers?: Record<string, string>;
  /** The request body. */
  body: string;
}

/** The endpoint's answer (any status but 429). */
export interface NotificationResponse {
  status: number;
  headers: Headers;
  /** The body as text. */
  text: string;
  /** Requests made, retries after 429 included. */
  attempts: number;
}

/** Connection errors raised before a request left this machine: nothing can have been delivered. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/**
 * Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date; 1 s when the
 * header is missing or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number {
  if (value === null || value === undefined || value.trim() === "") return 1;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return 1;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sends a notifier's HTTP request within `deadline`: a 429 is retried after its `Retry-After`
 * while the deadline allows (else `NOTIFICATION_RATE_LIMITED`); nothing else is retried, because
 * a webhook has no idempotency key and a repeated post may be delivered twice. A connection
 * failure is `NOTIFICATION_FAILED`, marked `mayHaveBeenDelivered` unless it failed before the
 * request was sent; redirects are refused, so headers never follow one elsewhere. Any other
 * status is returned for the caller to translate. The URL appears in no error.
 */
export async function sendNotificationRequest(
  request: NotificationRequest,
  deadline: NotificationDeadline,
): Promise<NotificationResponse> {
  let attempts = 0;
  for (;;) {
    deadline.throwIfEnded();
    attempts += 1;
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method ?? "POST",
        headers: request.headers ?? {},
        body: request.body,
        redirect: "manual",
        signal: deadline.signal,
      });
    } catch (error) {
      const known = deadline.failure(error);
      if (known) throw known;
      const systemCode = systemCodeOf(error) ?? "unknown";
      throw new NotificationFailedError({
        notifier: deadline.notifier,
        reason: `the connection to the endpoint failed (${systemCode})`,
        mayHaveBeenDelivered: !NOT_SENT_CODES.has(systemCode),
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const known = deadline.failure(error);
      if (known) throw known;
      throw new NotificationFailedError({
        notifier: deadline.notifier,
        reason: `the endpoint's answer (HTTP ${response.status}) was cut off`,
        status: response.status,
        mayHaveBeenDelivered: true,
      });
    }
    if (response.status === 429) {
      await deadline.waitForRetry(parseRetryAfter(response.headers.get("retry-after")));
      continue;
    }
    if (response.status >= 300 && response.status < 400) {
      throw new NotificationFailedError({
        notifier: deadline.notifier,
        reason: `the endpoint redirected (HTTP ${response.status}), and notifiers do not follow redirects`,
        status: response.status,
        advice: "Set the URL the endpoint redirects to.",
      });
    }
    return { status: response.status, headers: response.headers, text, attempts };
  }
}
