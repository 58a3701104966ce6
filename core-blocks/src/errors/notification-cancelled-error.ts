import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** The caller cancelled a notification (its `signal` aborted) before it was delivered. */
export class NotificationCancelledError extends TesseraError {
  static readonly code = "NOTIFICATION_CANCELLED";
  /** The notifier: its slug when saved, else its block type. */
  readonly notifier: string;

  constructor(details: { notifier: string } & TesseraErrorOptions) {
    super(
      NotificationCancelledError.code,
      `Notification through "${details.notifier}" was cancelled before it was confirmed; a request already sent may still arrive. ${details.advice ?? "Send it again if it is still wanted."}`,
      details,
    );
    this.notifier = details.notifier;
  }

  static override isInstance(value: unknown): value is NotificationCancelledError {
    return isTesseraErrorWithCode(value, NotificationCancelledError.code);
  }
}
