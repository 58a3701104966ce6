import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The endpoint asked to wait (HTTP 429 with `Retry-After`) longer than the notification's deadline
 * allows, so the message was not delivered.
 */
export class NotificationRateLimitedError extends TesseraError {
  static readonly code = "NOTIFICATION_RATE_LIMITED";
  /** The notifier: its slug when saved, else its block type. */
  readonly notifier: string;
  /** How long the endpoint asked to wait, in seconds. */
  readonly retryAfterSeconds: number;

  constructor(details: { notifier: string; retryAfterSeconds: number } & TesseraErrorOptions) {
    super(
      NotificationRateLimitedError.code,
      `Notification through "${details.notifier}" was rate limited: the endpoint asked to wait ${details.retryAfterSeconds} s, beyond the deadline, so nothing was delivered. ${details.advice ?? "Send again after that time, send fewer messages, or give notify a longer deadline."}`,
      details,
    );
    this.notifier = details.notifier;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  static override isInstance(value: unknown): value is NotificationRateLimitedError {
    return isTesseraErrorWithCode(value, NotificationRateLimitedError.code);
  }
}
