import { z } from "zod";
import { defineBlock, registerBlockType, type SaveBlockOptions } from "../block/index.js";
import { NotificationFailedError, ValidationFailedError } from "../errors/index.js";
import { type JsonValue, secret } from "../schema/index.js";
import { givenSecretProblem } from "../secrets/index.js";
import { checkNotifyMessage } from "./check-notify-message.js";
import { NotificationDeadline } from "./notification-deadline.js";
import type { Notifier, NotifyMessage, NotifyOptions, NotifyResult } from "./notifier.js";
import { sendNotificationRequest } from "./send-notification-request.js";
import {
  DEFAULT_WEBHOOK_BODY_TEMPLATE,
  renderWebhookBody,
  unknownPlaceholders,
} from "./webhook-body-template.js";

/** What is wrong with a webhook URL, in words that never quote it. */
function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return "must be an http:// or https:// URL";
  }
  return undefined;
}

/** At most this many characters of an error answer are quoted in an error message. */
const QUOTED_ANSWER_LENGTH = 200;

/**
 * A generic HTTP notifier (block type `webhook`, capability `notify`) for Teams, Discord,
 * PagerDuty, Google Chat or an in-house endpoint: `notify` sends the body template with the
 * message filled in, as JSON, and resolves once the endpoint answers 2xx. A 429 is retried after
 * its `Retry-After` while the deadline allows; nothing else is retried, so a message is never
 * posted twice by Tessera. The URL and the header values are secrets.
 *
 * ```ts
 * const alerts = new Webhook({
 *   url: "https://example.com/hooks/T0/B0/X0",
 *   headers: { authorization: "Bearer s3cr3t" },
 *   bodyTemplate: { content: "**{{ subject }}**\n{{ body }}" }, // Discord
 * });
 * await alerts.notify({ subject: "Nightly load", body: "42 rows rejected" });
 * ```
 */
export class Webhook
  extends defineBlock({
    type: "webhook",
    title: "Webhook",
    description:
      "Sends notifications as JSON to an HTTP endpoint (Teams, Discord, PagerDuty, an in-house service).",
    capabilities: ["notify"],
    version: "1.0.0",
    schema: z.object({
      /** The endpoint, `http://` or `https://` (checked at save). A secret: it often embeds a token. */
      url: secret(),
      /** The HTTP method. @default "POST" */
      method: z.enum(["POST", "PUT", "PATCH"]).default("POST"),
      /** Extra request headers; every value is a secret (an `Authorization` header, an API key). @default {} */
      headers: z.record(z.string().min(1), secret()).default({}),
      /**
       * The JSON body. Strings may contain `{{ subject }}`, `{{ body }}` and `{{ text }}` (subject,
       * a line break, body); a string that is exactly `{{ blocks }}` becomes the message's blocks.
       * @default { "text": "{{ text }}" }
       */
      bodyTemplate: z
        .json()
        .default(DEFAULT_WEBHOOK_BODY_TEMPLATE)
        .superRefine((template, context) => {
          const unknown = unknownPlaceholders(template as JsonValue);
          if (unknown.length > 0) {
            context.addIssue({
              code: "custom",
              message: `unknown placeholder${unknown.length === 1 ? "" : "s"} ${unknown.map((name) => `{{ ${name} }}`).join(", ")}: use {{ subject }}, {{ body }}, {{ text }} or a whole-string {{ blocks }}`,
            });
          }
        }),
      /** Milliseconds `notify` may take when the caller gives no deadline. @default 30000 */
      deadlineMs: z.number().int().positive().max(600_000).default(30_000),
    }),
  })
  implements Notifier
{
  /** Checks the URL given in memory, then saves (see `Block.save`). */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    const problem = await givenSecretProblem(this.url, webhookUrlProblem);
    if (problem) {
      throw new ValidationFailedError({
        subject: "webhook",
        problems: [{ path: "url", message: problem }],
      });
    }
    return super.save(name, options);
  }

  /**
   * Sends `message` as the body template says. Resolves once the endpoint answers 2xx; rejects
   * with `NOTIFICATION_FAILED` (another status, or a connection failure),
   * `NOTIFICATION_RATE_LIMITED`, `NOTIFICATION_TIMEOUT` or `NOTIFICATION_CANCELLED`.
   */
  notify(message: NotifyMessage, options: NotifyOptions = {}): Promise<NotifyResult> {
    checkNotifyMessage(message);
    const notifier = this.slug ?? "webhook";
    return NotificationDeadline.run(
      notifier,
      { ...options, deadline: options.deadline ?? this.deadlineMs },
      async (deadline) => {
        const url = await this.url.reveal();
        const problem = webhookUrlProblem(url);
        if (problem) {
          throw new ValidationFailedError({
            subject: notifier,
            problems: [{ path: "url", message: problem }],
          });
        }
        const headers: Record<string, string> = { "content-type": "application/json" };
        for (const [header, value] of Object.entries(this.headers)) {
          headers[header.toLowerCase()] = await value.reveal();
        }
        const response = await sendNotificationRequest(
          {
            url,
            method: this.method,
            headers,
            body: JSON.stringify(renderWebhookBody(this.bodyTemplate as JsonValue, message)),
          },
          deadline,
        );
        if (response.status < 200 || response.status >= 300) {
          const answer = response.text.replace(/\s+/g, " ").trim().slice(0, QUOTED_ANSWER_LENGTH);
          throw new NotificationFailedError({
            notifier,
            reason: `the endpoint answered HTTP ${response.status}${answer ? ` (${answer})` : ""}`,
            status: response.status,
            advice:
              response.status === 401 || response.status === 403
                ? "Check the URL and the authorization headers."
                : response.status === 404 || response.status === 410
                  ? "The endpoint does not exist any more: correct the URL."
                  : response.status >= 500
                    ? "The endpoint failed: send again later."
                    : "Check the body template against what the endpoint expects.",
          });
        }
        return { notifier, parts: 1, ids: [], attempts: response.attempts };
      },
    );
  }
}

// Registered now, so `loadBlock("webhook/<name>")` in a fresh process builds a Webhook with `notify`.
registerBlockType(Webhook);
