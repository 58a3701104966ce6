import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A notification was refused or could not be sent: the endpoint answered with an error, or the
 * connection failed. Nothing was delivered unless `mayHaveBeenDelivered` says otherwise.
 */
export class NotificationFailedError extends TesseraError {
  static readonly code = "NOTIFICATION_FAILED";
  /** The notifier: its slug when saved (`webhook/alerts`), else its block type. */
  readonly notifier: string;
  /** What went wrong, in words, without the endpoint's address or any secret. */
  readonly reason: string;
  /** The HTTP status the endpoint answered, when it answered. */
  readonly status: number | undefined;
  /** The provider's own error code (`channel_not_found`, `invalid_payload`), when it gave one. */
  readonly providerError: string | undefined;
  /**
   * True when the request reached the endpoint but no answer came back (a connection cut after
   * sending): the message may have been delivered, and sending it again may post it twice.
   */
  readonly mayHaveBeenDelivered: boolean;

  constructor(
    details: {
      notifier: string;
      reason: string;
      status?: number;
      providerError?: string;
      mayHaveBeenDelivered?: boolean;
    } & TesseraErrorOptions,
  ) {
    const mayHaveBeenDelivered = details.mayHaveBeenDelivered ?? false;
    const delivered = mayHaveBeenDelivered
      ? " The request was sent, so the message may have been delivered: check before sending it again."
      : "";
    super(
      NotificationFailedError.code,
      `Notification through "${details.notifier}" failed: ${details.reason}.${delivered} ${details.advice ?? "Check the notifier's settings and that its endpoint is reachable, then send again."}`,
      details,
    );
    this.notifier = details.notifier;
    this.reason = details.reason;
    this.status = details.status;
    this.providerError = details.providerError;
    this.mayHaveBeenDelivered = mayHaveBeenDelivered;
  }

  static override isInstance(value: unknown): value is NotificationFailedError {
    return isTesseraErrorWithCode(value, NotificationFailedError.code);
  }
}
