import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A notification was not delivered within its deadline; the request still running was cancelled. */
export class NotificationTimeoutError extends TesseraError {
  static readonly code = "NOTIFICATION_TIMEOUT";
  /** The notifier: its slug when saved, else its block type. */
  readonly notifier: string;
  /** The deadline that passed, in milliseconds from the start of `notify`. */
  readonly deadlineMs: number;

  constructor(details: { notifier: string; deadlineMs: number } & TesseraErrorOptions) {
    super(
      NotificationTimeoutError.code,
      `Notification through "${details.notifier}" was not delivered within its deadline of ${details.deadlineMs} ms; the endpoint did not answer in time, so the message may or may not have arrived. ${details.advice ?? "Check that the endpoint is reachable, or give notify a longer deadline."}`,
      details,
    );
    this.notifier = details.notifier;
    this.deadlineMs = details.deadlineMs;
  }

  static override isInstance(value: unknown): value is NotificationTimeoutError {
    return isTesseraErrorWithCode(value, NotificationTimeoutError.code);
  }
}
