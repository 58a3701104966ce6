import type { WebClient } from "@slack/web-api";
import {
  defineBlock,
  InvalidInputError,
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
  ClientCache,
  checkNotifyMessage,
  fingerprint,
  givenSecretProblem,
  NotificationDeadline,
} from "@tessera/core/provider";
import { SlackRejectedError } from "./errors/index.js";
import { loadWebApiSdk } from "./lazy-sdk.js";
import { connectionFailure, sendFailure } from "./send-failure.js";
import { splitMessage } from "./split-message.js";

/** Bot, user, app-level and rotating tokens: `xoxb-…`, `xoxp-…`, `xapp-…`, `xoxe.xoxb-…`. */
const SLACK_TOKEN = /^(?:xoxe\.)?(?:xox[abeopr]|xapp)-[A-Za-z0-9-]{8,}$/;

function tokenProblem(token: string): string | undefined {
  return SLACK_TOKEN.test(token)
    ? undefined
    : "does not look like a Slack token (xoxb-…, xoxp-… or xapp-…): copy it from the app's OAuth & Permissions page";
}

/** What `postMessage` takes. */
export interface PostMessageInput {
  /** A channel id (`C0123…`) or a `#name`, resolved to its id once and cached. */
  channel: string;
  /** The text, or the plain-text fallback of `blocks`. */
  text?: string;
  /** Block Kit blocks. @default undefined */
  blocks?: readonly object[];
  /** Post as a reply in this thread (the parent message's `ts`). @default undefined */
  threadTs?: string;
}

/** What `postMessage` posted. */
export interface PostedMessage {
  /** The channel id. */
  channel: string;
  /** The message's `ts`, its id in the channel. */
  ts: string;
}

const clients = new ClientCache();
/** Channel ids by credentials fingerprint and `#name`. */
const channelIds = new Map<string, Map<string, Promise<string>>>();

/**
 * A Slack app's token (block type `slack-credentials`, capability `notify`). `client()` gives a
 * `WebClient` with a timeout and a small retry budget instead of the SDK's defaults (no timeout,
 * ten retries over about thirty minutes); `postMessage` posts to a channel id or `#name`; `notify`
 * posts to `defaultChannel`, within a deadline, never retrying a post whose answer was lost (Slack
 * has no idempotency key, so it could appear twice).
 *
 * ```ts
 * const slack = new SlackCredentials({ token: process.env.SLACK_BOT_TOKEN, defaultChannel: "#ops" });
 * await slack.notify({ subject: "Nightly load", body: "42 rows rejected" });
 * ```
 */
export class SlackCredentials
  extends defineBlock({
    type: "slack-credentials",
    title: "Slack credentials",
    description: "A Slack app's token, for the Web API and for notifications to a channel.",
    documentationUrl: "https://docs.slack.dev/authentication/tokens",
    capabilities: ["notify"],
    schema: z.object({
      /** The token, `xoxb-…` (bot), `xoxp-…` (user) or `xapp-…`; checked at save. A secret. */
      token: secret(),
      /** The channel `notify` posts to: an id (`C0123…`) or a `#name`. @default undefined */
      defaultChannel: z.string().min(1).optional(),
      /**
       * The Web API's address: GovSlack is `https://slack-gov.com/api/`; tests point it at an
       * emulator.
       * @default "https://slack.com/api/"
       */
      apiUrl: z.url().default("https://slack.com/api/"),
      /** Milliseconds one request of `client()` may take. @default 10000 (the SDK has none) */
      timeoutMs: z.number().int().positive().max(600_000).default(10_000),
      /**
       * Retries of a failed request by `client()` (rate limits fail at once instead).
       * @default 2 (the SDK's default is ten over about thirty minutes)
       */
      maxRetries: z.number().int().min(0).max(10).default(2),
      /** Milliseconds `notify` may take when the caller gives no deadline. @default 30000 */
      deadlineMs: z.number().int().positive().max(600_000).default(30_000),
    }),
  })
  implements Notifier
{
  /** Checks a token given in memory, then saves (see `Block.save`). */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    const problem = await givenSecretProblem(this.token, tokenProblem);
    if (problem) {
      throw new ValidationFailedError({
        subject: "slack-credentials",
        problems: [{ path: "token", message: problem }],
      });
    }
    return super.save(name, options);
  }

  async #webClient(options: {
    timeout: number;
    retries: number;
    fetch?: typeof fetch;
  }): Promise<WebClient> {
    const token = await this.token.reveal();
    const problem = tokenProblem(token);
    if (problem) {
      throw new ValidationFailedError({
        subject: this.slug ?? "slack-credentials",
        problems: [{ path: "token", message: problem }],
      });
    }
    const { WebClient, LogLevel } = await loadWebApiSdk();
    return new WebClient(token, {
      slackApiUrl: this.apiUrl,
      timeout: options.timeout,
      retryConfig: { retries: options.retries, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * A `WebClient` for these credentials, shared by equal blocks: each request times out after
   * `timeoutMs`, failures are retried `maxRetries` times, and a rate limit rejects at once
   * (`slack_webapi_rate_limited_error` with `retryAfter`) instead of pausing every queued call.
   */
  client(): Promise<WebClient> {
    return clients.get(this, SlackCredentialsClient, () =>
      this.#webClient({ timeout: this.timeoutMs, retries: this.maxRetries }),
    );
  }

  /** The id of a channel given as an id or a `#name` (names looked up once, then cached). */
  async channelId(channel: string): Promise<string> {
    if (!channel.startsWith("#")) return channel;
    const key = await fingerprint(this);
    let cache = channelIds.get(key);
    if (!cache) {
      cache = new Map();
      channelIds.set(key, cache);
    }
    let pending = cache.get(channel);
    if (!pending) {
      pending = this.#lookUpChannel(channel.slice(1));
      cache.set(channel, pending);
      const owner = cache;
      pending.catch(() => owner.delete(channel));
    }
    return pending;
  }

  async #lookUpChannel(name: string): Promise<string> {
    const client = await this.client();
    try {
      for await (const page of client.paginate("conversations.list", {
        limit: 200,
        exclude_archived: true,
        types: "public_channel,private_channel",
      })) {
        const found = (
          ((page as { channels?: unknown }).channels ?? []) as { id?: string; name?: string }[]
        ).find((candidate) => candidate.name === name);
        if (found?.id) return found.id;
      }
    } catch (error) {
      throw this.#translate(error, this.slug ?? "slack-credentials", 0);
    }
    throw new SlackRejectedError({
      notifier: this.slug ?? "slack-credentials",
      slackError: "channel_not_found",
      advice: `No channel named #${name} is visible to the app: check the name, or invite the app to the private channel.`,
    });
  }

  /**
   * Posts a message; answers the channel id and the message's `ts`. Its client never retries (a
   * post whose answer was lost may have been delivered, and Slack has no idempotency key): a
   * failure is `NOTIFICATION_FAILED` with `mayHaveBeenDelivered`, or `SLACK_REJECTED`.
   */
  async postMessage(input: PostMessageInput): Promise<PostedMessage> {
    const client = await clients.get(this, SlackPostClient, () =>
      this.#webClient({ timeout: this.timeoutMs, retries: 0 }),
    );
    const channel = await this.channelId(input.channel);
    try {
      const result = await client.chat.postMessage({
        channel,
        text: input.text ?? "",
        ...(input.blocks ? { blocks: input.blocks as never } : {}),
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      });
      return { channel: String(result.channel ?? channel), ts: String(result.ts ?? "") };
    } catch (error) {
      throw this.#translate(error, this.slug ?? "slack-credentials", 0);
    }
  }

  #translate(error: unknown, notifier: string, deliveredParts: number): Error {
    const code = (error as { code?: unknown }).code;
    if (code === "slack_webapi_platform_error") {
      const slackError = String((error as { data?: { error?: unknown } }).data?.error ?? "unknown");
      return new SlackRejectedError({ notifier, slackError, deliveredParts });
    }
    if (code === "slack_webapi_rate_limited_error") {
      return new NotificationFailedError({
        notifier,
        reason: `Slack rate-limited the call (retry after ${String((error as { retryAfter?: unknown }).retryAfter)} s)`,
        status: 429,
        advice: "Send again after that time, or send fewer messages.",
      });
    }
    if (code === "slack_webapi_http_error") {
      const status = Number((error as { statusCode?: unknown }).statusCode);
      return new NotificationFailedError({
        notifier,
        reason: `Slack answered HTTP ${status}`,
        status,
      });
    }
    if (code === "slack_webapi_request_error") {
      return connectionFailure(notifier, error, deliveredParts);
    }
    if (typeof code === "string" && code.startsWith("slack_")) {
      return new NotificationFailedError({ notifier, reason: `the Slack client failed (${code})` });
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  /**
   * Posts `message` to `defaultChannel` (split into parts under Slack's limits), within the
   * deadline: a rate limit is waited out while the deadline allows, a lost answer is never
   * retried. Resolves with the parts posted and their `ts` ids.
   */
  notify(message: NotifyMessage, options: NotifyOptions = {}): Promise<NotifyResult> {
    checkNotifyMessage(message);
    const notifier = this.slug ?? "slack-credentials";
    return NotificationDeadline.run(
      notifier,
      { ...options, deadline: options.deadline ?? this.deadlineMs },
      async (deadline) => {
        if (this.defaultChannel === undefined) {
          throw new InvalidInputError({
            subject: notifier,
            message: `"${notifier}" has no defaultChannel to notify: set defaultChannel to a channel id or #name.`,
          });
        }
        const channel = await this.channelId(this.defaultChannel);
        const client = await this.#webClient({
          timeout: 0,
          retries: 0,
          fetch: (input, init) => fetch(input, { ...init, signal: deadline.signal }),
        });
        const parts = splitMessage(message);
        const ids: string[] = [];
        let attempts = 0;
        while (ids.length < parts.length) {
          deadline.throwIfEnded();
          attempts += 1;
          const part = parts[ids.length] as (typeof parts)[number];
          try {
            const result = await client.chat.postMessage({
              channel,
              text: part.text,
              blocks: part.blocks as never,
            });
            ids.push(String(result.ts ?? ""));
          } catch (error) {
            const code = (error as { code?: unknown }).code;
            if (!deadline.signal.aborted && code === "slack_webapi_rate_limited_error") {
              await deadline.waitForRetry(
                Number((error as { retryAfter?: unknown }).retryAfter) || 1,
              );
              continue;
            }
            if (deadline.signal.aborted || code === "slack_webapi_request_error") {
              throw sendFailure(deadline, error, ids.length);
            }
            throw this.#translate(error, notifier, ids.length);
          }
        }
        return { notifier, parts: parts.length, ids, attempts };
      },
    );
  }
}

/** The cache key of `client()`'s clients (the SDK class itself is loaded lazily). */
class SlackCredentialsClient {}
/** The cache key of `postMessage`'s clients, which never retry. */
class SlackPostClient {}
