import type { JsonObject } from "../schema/index.js";

/** What a notification says. */
export interface NotifyMessage {
  /** A short first line (a title). @default undefined (the body alone) */
  subject?: string;
  /** The text of the message. May be long: notifiers split it under their service's limits. */
  body: string;
  /**
   * Provider-specific rich content, sent as given where the provider understands it (Slack Block
   * Kit blocks); the subject and body are still sent as the plain-text fallback.
   * @default undefined
   */
  blocks?: readonly JsonObject[];
}

/** Options of `notify`. */
export interface NotifyOptions {
  /**
   * How long the notification may take, in milliseconds from the call (or an instant, as a
   * `Date`): waits for rate limits and retries included. When it passes, the request still running
   * is cancelled and `notify` rejects with `NOTIFICATION_TIMEOUT`.
   * @default 30000
   */
  deadline?: number | Date;
  /** Cancels the notification; `notify` then rejects with `NOTIFICATION_CANCELLED`. @default undefined */
  signal?: AbortSignal;
}

/** What `notify` delivered. */
export interface NotifyResult {
  /** The notifier: its slug when saved (`slack-webhook/alerts`), else its block type. */
  notifier: string;
  /** How many messages were posted (a long message is split into several). */
  parts: number;
  /** The provider's ids of the posted messages (Slack's `ts`), when it gives any. */
  ids: string[];
  /** HTTP requests made, retries after a rate limit included. */
  attempts: number;
}

/**
 * The `notify` capability: a block that sends messages to people (Slack, a webhook). Block types
 * implementing it declare the `notify` capability.
 *
 * `notify` resolves with what was delivered or rejects with a coded error within the deadline:
 * `NOTIFICATION_FAILED` (refused, or the connection failed), `NOTIFICATION_RATE_LIMITED` (asked to
 * wait beyond the deadline), `NOTIFICATION_TIMEOUT` or `NOTIFICATION_CANCELLED`, or a provider's
 * own coded error. A failed notification is never only a log line, and no error carries a secret.
 */
export interface Notifier {
  /** Sends `message`. */
  notify(message: NotifyMessage, options?: NotifyOptions): Promise<NotifyResult>;
}

/** True for an object with a `notify` method (a block with the `notify` capability). */
export function isNotifier(value: unknown): value is Notifier {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { notify?: unknown }).notify === "function"
  );
}
