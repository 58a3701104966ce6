import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";
import { slackErrorAdvice } from "../slack-error-advice.js";

/**
 * Slack refused a message or a call: a webhook's plain-text error (`channel_not_found`,
 * `channel_is_archived`, `invalid_payload`, `action_prohibited`, `no_service`, …) or a Web API
 * `{ ok: false, error }`. Slack did not post the refused part.
 */
export class SlackRejectedError extends TesseraError {
  static readonly code = "SLACK_REJECTED";
  /** The notifier or block: its slug when saved, else its block type. */
  readonly notifier: string;
  /** Slack's error code, such as `channel_not_found`. */
  readonly slackError: string;
  /** The HTTP status of a webhook's answer (Web API errors come with 200). */
  readonly status: number | undefined;
  /** Parts of a split message delivered before the refusal. @default 0 */
  readonly deliveredParts: number;

  constructor(
    details: {
      notifier: string;
      slackError: string;
      status?: number;
      deliveredParts?: number;
    } & TesseraErrorOptions,
  ) {
    const deliveredParts = details.deliveredParts ?? 0;
    const delivered =
      deliveredParts > 0
        ? ` ${deliveredParts} earlier part${deliveredParts === 1 ? " was" : "s were"} delivered.`
        : "";
    super(
      SlackRejectedError.code,
      `Slack refused the message sent through "${details.notifier}": ${details.slackError}${details.status === undefined ? "" : ` (HTTP ${details.status})`}.${delivered} ${details.advice ?? slackErrorAdvice(details.slackError)}`,
      details,
    );
    this.notifier = details.notifier;
    this.slackError = details.slackError;
    this.status = details.status;
    this.deliveredParts = deliveredParts;
  }

  static override isInstance(value: unknown): value is SlackRejectedError {
    return isTesseraErrorWithCode(value, SlackRejectedError.code);
  }
}
