import {
  defineBlock,
  NotificationFailedError,
  type Notifier,
  type NotifyMessage,
  type NotifyOptions,
  type NotifyResult,
  type SaveBlockOptions,
  secret,
  ValidationFailedError,
  z,
} from "@tessera/core";
import {
  checkNotifyMessage,
  givenSecretProblem,
  NotificationDeadline,
  parseRetryAfter,
} from "@tessera/core/provider";
import { SlackRejectedError } from "./errors/index.js";
import { loadWebhookSdk } from "./lazy-sdk.js";
import { sendFailure } from "./send-failure.js";
import { splitMessage } from "./split-message.js";

/** Slack's incoming-webhook hosts: commercial Slack and GovSlack. */
const SLACK_HOOK_HOSTS = new Set(["hooks.slack.com", "hooks.slack-gov.com"]);

/** What is wrong with a webhook URL, in words that never quote it. */
function slackWebhookUrlProblem(url: string, allowCustomHost: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL: copy the webhook URL from the Slack app (https://hooks.slack.com/services/…)";
  }
  if (allowCustomHost) {
    return parsed.protocol === "https:" || parsed.protocol === "http:"
      ? undefined
      : "must be an http:// or https:// URL";
  }
  if (parsed.protocol !== "https:" || !SLACK_HOOK_HOSTS.has(parsed.hostname)) {
    return "must be https://hooks.slack.com/services/… or https://hooks.slack-gov.com/services/… (set allowCustomHost for a proxy)";
  }
  if (!/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(parsed.pathname)) {
    return "must have the path /services/T…/B…/… that the Slack app shows";
  }
  return undefined;
}

/**
 * A Slack incoming webhook (block type `slack-webhook`, capability `notify`). `notify` posts the
 * message, split into several posts under Slack's limits rather than truncated, waits out a 429
 * for its `Retry-After` while the deadline allows, and turns Slack's plain-text errors into
 * `SLACK_REJECTED` with what to do. Nothing else is retried: a webhook has no idempotency key, so
 * a retried post could arrive twice. The URL is a secret and appears in no error or log.
 *
 * ```ts
 * const ops = new SlackWebhook({ url: process.env.SLACK_WEBHOOK_URL });
 * await ops.notify({ subject: "Nightly load", body: "42 rows rejected" });
 * ```
 */
export class SlackWebhook
  extends defineBlock({
    type: "slack-webhook",
    title: "Slack incoming webhook",
    description:
      "Posts notifications to one Slack channel through an incoming webhook, within a deadline.",
    documentationUrl: "https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks",
    capabilities: ["notify"],
    schema: z.object({
      /**
       * The webhook URL, `https://hooks.slack.com/services/…` or
       * `https://hooks.slack-gov.com/services/…` (checked at save). A secret: it is the credential.
       */
      url: secret(),
      /**
       * Accept a URL on another host (an egress proxy, a test server).
       * @default false
       */
      allowCustomHost: z.boolean().default(false),
      /** Milliseconds `notify` may take when the caller gives no deadline. @default 30000 */
      deadlineMs: z.number().int().positive().max(600_000).default(30_000),
    }),
  })
  implements Notifier
{
  /** Checks the URL given in memory, then saves (see `Block.save`). */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    const problem = await givenSecretProblem(this.url, (url) =>
      slackWebhookUrlProblem(url, this.allowCustomHost),
    );
    if (problem) {
      throw new ValidationFailedError({
        subject: "slack-webhook",
        problems: [{ path: "url", message: problem }],
      });
    }
    return super.save(name, options);
  }

  /**
   * Posts `message` (split into parts under Slack's limits). Resolves with the number of parts
   * posted; rejects with `SLACK_REJECTED`, `NOTIFICATION_FAILED`, `NOTIFICATION_RATE_LIMITED`,
   * `NOTIFICATION_TIMEOUT` or `NOTIFICATION_CANCELLED`.
   */
  notify(message: NotifyMessage, options: NotifyOptions = {}): Promise<NotifyResult> {
    checkNotifyMessage(message);
    const notifier = this.slug ?? "slack-webhook";
    return NotificationDeadline.run(
      notifier,
      { ...options, deadline: options.deadline ?? this.deadlineMs },
      async (deadline) => {
        const url = await this.url.reveal();
        const problem = slackWebhookUrlProblem(url, this.allowCustomHost);
        if (problem) {
          throw new ValidationFailedError({
            subject: notifier,
            problems: [{ path: "url", message: problem }],
          });
        }
        const { IncomingWebhook } = await loadWebhookSdk();
        let retryAfter: string | null = null;
        const hook = new IncomingWebhook(url, {
          timeout: 0,
          retryConfig: { retries: 0 },
          fetch: async (input, init) => {
            const response = await fetch(input, { ...init, signal: deadline.signal });
            retryAfter = response.headers.get("retry-after");
            return response;
          },
        });
        const parts = splitMessage(message);
        let attempts = 0;
        let delivered = 0;
        while (delivered < parts.length) {
          deadline.throwIfEnded();
          attempts += 1;
          const part = parts[delivered] as (typeof parts)[number];
          try {
            await hook.send({ text: part.text, blocks: part.blocks as never });
            delivered += 1;
          } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            if (deadline.signal.aborted || typeof status !== "number") {
              throw sendFailure(deadline, error, delivered);
            }
            if (status === 429) {
              await deadline.waitForRetry(parseRetryAfter(retryAfter));
              continue;
            }
            const body = String((error as { body?: unknown }).body ?? "").trim();
            if (/^[a-z_]{2,64}$/.test(body)) {
              throw new SlackRejectedError({
                notifier,
                slackError: body,
                status,
                deliveredParts: delivered,
              });
            }
            throw new NotificationFailedError({
              notifier,
              reason: `Slack answered HTTP ${status}${delivered > 0 ? ` after ${delivered} part(s) were delivered` : ""}`,
              status,
              advice: status >= 500 ? "Slack failed: send again later." : undefined,
            });
          }
        }
        return { notifier, parts: parts.length, ids: [], attempts };
      },
    );
  }
}
