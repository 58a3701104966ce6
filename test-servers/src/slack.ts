/**
 * A Slack emulator for tests: the Web API methods Tessera uses (`auth.test`, `chat.postMessage`,
 * `conversations.list`) and incoming webhooks (`/services/T…/B…/X…`), answering as Slack documents
 * them: Web API calls take form-encoded or JSON bodies, authenticate with a Bearer token (or a
 * `token` form field), and fail with HTTP 200 `{ ok: false, error }`; webhooks take JSON and fail
 * with a plain-text error body and a status (400 `invalid_payload`, 403 `action_prohibited`, 404
 * `channel_not_found`/`no_service`, 410 `channel_is_archived`); both answer rate limits with 429
 * and `Retry-After`. Every accepted message is recorded, so tests count deliveries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** A message the emulator accepted. */
export interface SlackDelivery {
  /** `api` (chat.postMessage) or `webhook`. */
  via: "api" | "webhook";
  /** The channel id it was posted to. */
  channel: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  /** The thread it was posted in, when any. */
  threadTs: string | undefined;
  /** The message's timestamp id. */
  ts: string;
}

/** A channel of the emulated workspace. */
export interface SlackChannel {
  id: string;
  name: string;
  /** @default false */
  archived?: boolean;
}

/** What the emulator does with the next matching requests. */
export type SlackFault =
  /** Answer 429 with `Retry-After: <retryAfterSeconds>`. */
  | { kind: "rate-limit"; retryAfterSeconds: number }
  /** Never answer. */
  | { kind: "hang" }
  /** Web API: `{ ok: false, error }`; webhook: the plain-text error with its status. */
  | { kind: "error"; error: string; status?: number };

/** Settings of `startSlackEmulator`. */
export interface SlackEmulatorOptions {
  /** Tokens the Web API accepts. @default ["xoxb-emulator-token"] */
  tokens?: string[];
  /** Channels of the workspace. @default general (C0GENERAL) and alerts (C0ALERTS) */
  channels?: SlackChannel[];
  /** `conversations.list` page size when the caller gives no `limit`. @default 100 */
  pageSize?: number;
}

/** A running emulator. */
export interface SlackEmulator {
  /** `http://127.0.0.1:<port>/api/`: the WebClient's `slackApiUrl`. */
  apiUrl: string;
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Accepted messages, in order. */
  deliveries: SlackDelivery[];
  /** Web API calls received (method names), in order, faults included. */
  calls: string[];
  /** Makes a new incoming webhook posting to `channel`; answers its URL. */
  createWebhook(channel: string): string;
  /** Removes a webhook: later posts answer 404 `no_service`. */
  revokeWebhook(url: string): void;
  /** Archives a channel. */
  archiveChannel(id: string): void;
  /** Applies `fault` to the next `times` requests to `target` (a Web API method or `webhook`). */
  fail(target: string, fault: SlackFault, times?: number): void;
  /** Forgets deliveries, calls and pending faults. */
  reset(): void;
  stop(): Promise<void>;
}

const WEBHOOK_PATH = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Web API arguments from a form-encoded or JSON body (JSON-valued form fields parsed). */
function apiArguments(request: IncomingMessage, body: string): Record<string, unknown> | undefined {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim();
  if (type === "application/json") {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === "object" && parsed !== null
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if ((key === "blocks" || key === "attachments") && value.startsWith("[")) {
      try {
        fields[key] = JSON.parse(value);
        continue;
      } catch {
        // Slack answers invalid_blocks below.
      }
    }
    fields[key] = value;
  }
  return fields;
}

function json(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(value);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(text);
}

function plain(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  response.end(text);
}

/** Starts the emulator on a free loopback port. */
export async function startSlackEmulator(
  options: SlackEmulatorOptions = {},
): Promise<SlackEmulator> {
  const tokens = new Set(options.tokens ?? ["xoxb-emulator-token"]);
  const channels: SlackChannel[] = (
    options.channels ?? [
      { id: "C0GENERAL", name: "general" },
      { id: "C0ALERTS", name: "alerts" },
    ]
  ).map((channel) => ({ ...channel }));
  const pageSize = options.pageSize ?? 100;
  const webhooks = new Map<string, string>();
  const faults: { target: string; fault: SlackFault; remaining: number }[] = [];
  const deliveries: SlackDelivery[] = [];
  const calls: string[] = [];
  let clock = 1_700_000_000;
  let hookCounter = 0;
  const nextTs = () => {
    clock += 1;
    return `${clock}.${String(deliveries.length).padStart(6, "0")}`;
  };

  const takeFault = (target: string): SlackFault | undefined => {
    const entry = faults.find(
      (candidate) => candidate.target === target && candidate.remaining > 0,
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.fault;
  };

  const channelById = (id: string) => channels.find((channel) => channel.id === id);

  function checkMessage(fields: Record<string, unknown>): string | undefined {
    const text = fields.text;
    const blocks = fields.blocks;
    if (blocks !== undefined) {
      if (!Array.isArray(blocks) || blocks.length > 50) return "invalid_blocks";
      for (const block of blocks) {
        const section = block as { type?: unknown; text?: { text?: unknown } };
        if (typeof section.type !== "string") return "invalid_blocks";
        if (
          section.type === "section" &&
          typeof section.text?.text === "string" &&
          section.text.text.length > 3000
        ) {
          return "invalid_blocks";
        }
        if (
          section.type === "header" &&
          typeof section.text?.text === "string" &&
          section.text.text.length > 150
        ) {
          return "invalid_blocks";
        }
      }
    }
    if (
      (typeof text !== "string" || text === "") &&
      (!Array.isArray(blocks) || blocks.length === 0)
    ) {
      return "no_text";
    }
    if (typeof text === "string" && text.length > 40_000) return "msg_too_long";
    return undefined;
  }

  function record(
    via: "api" | "webhook",
    channel: string,
    fields: Record<string, unknown>,
  ): SlackDelivery {
    const delivery: SlackDelivery = {
      via,
      channel,
      text: typeof fields.text === "string" ? fields.text : undefined,
      blocks: Array.isArray(fields.blocks) ? fields.blocks : undefined,
      threadTs: typeof fields.thread_ts === "string" ? fields.thread_ts : undefined,
      ts: nextTs(),
    };
    deliveries.push(delivery);
    return delivery;
  }

  async function webApi(method: string, request: IncomingMessage, response: ServerResponse) {
    calls.push(method);
    const body = await readBody(request);
    const fault = takeFault(method);
    if (fault?.kind === "hang") return;
    if (fault?.kind === "rate-limit") {
      json(
        response,
        429,
        { ok: false, error: "ratelimited" },
        { "retry-after": String(fault.retryAfterSeconds) },
      );
      return;
    }
    if (request.method !== "POST" && request.method !== "GET") {
      json(response, 405, { ok: false, error: "method_not_supported" });
      return;
    }
    const fields = apiArguments(request, body);
    if (!fields) return json(response, 200, { ok: false, error: "invalid_json" });
    const authorization = request.headers.authorization;
    const token =
      typeof authorization === "string" && authorization.startsWith("Bearer ")
        ? authorization.slice(7)
        : typeof fields.token === "string"
          ? fields.token
          : undefined;
    if (token === undefined || token === "")
      return json(response, 200, { ok: false, error: "not_authed" });
    if (!tokens.has(token)) return json(response, 200, { ok: false, error: "invalid_auth" });
    if (fault?.kind === "error") return json(response, 200, { ok: false, error: fault.error });
    switch (method) {
      case "auth.test":
        return json(response, 200, {
          ok: true,
          url: "https://emulator.slack.com/",
          team: "Emulator",
          team_id: "T0EMULATOR",
          user: "tessera",
          user_id: "U0TESSERA",
          bot_id: "B0TESSERA",
        });
      case "conversations.list": {
        const limit = Number(fields.limit ?? pageSize) || pageSize;
        const start = Number(
          fields.cursor
            ? Buffer.from(String(fields.cursor), "base64").toString("utf8").replace("offset:", "")
            : 0,
        );
        const visible = channels.filter(
          (channel) =>
            !(fields.exclude_archived === true || fields.exclude_archived === "true") ||
            !channel.archived,
        );
        const page = visible.slice(start, start + limit);
        const next =
          start + limit < visible.length
            ? Buffer.from(`offset:${start + limit}`).toString("base64")
            : "";
        return json(response, 200, {
          ok: true,
          channels: page.map((channel) => ({
            id: channel.id,
            name: channel.name,
            is_channel: true,
            is_archived: channel.archived === true,
          })),
          response_metadata: { next_cursor: next },
        });
      }
      case "chat.postMessage": {
        const channelArgument = typeof fields.channel === "string" ? fields.channel : "";
        const channel =
          channelById(channelArgument) ??
          channels.find(
            (candidate) =>
              `#${candidate.name}` === channelArgument || candidate.name === channelArgument,
          );
        if (!channel) return json(response, 200, { ok: false, error: "channel_not_found" });
        if (channel.archived) return json(response, 200, { ok: false, error: "is_archived" });
        const problem = checkMessage(fields);
        if (problem) return json(response, 200, { ok: false, error: problem });
        const delivery = record("api", channel.id, fields);
        return json(response, 200, {
          ok: true,
          channel: channel.id,
          ts: delivery.ts,
          message: {
            type: "message",
            text: delivery.text ?? "",
            ts: delivery.ts,
            bot_id: "B0TESSERA",
          },
        });
      }
      default:
        return json(response, 200, { ok: false, error: "unknown_method" });
    }
  }

  async function webhook(path: string, request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    const fault = takeFault("webhook");
    if (fault?.kind === "hang") return;
    if (fault?.kind === "rate-limit") {
      plain(response, 429, "rate_limited", { "retry-after": String(fault.retryAfterSeconds) });
      return;
    }
    if (fault?.kind === "error") return plain(response, fault.status ?? 400, fault.error);
    const channelId = webhooks.get(path);
    if (channelId === undefined) return plain(response, 404, "no_service");
    if (request.method !== "POST") return plain(response, 405, "invalid_method");
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body) as Record<string, unknown>;
      if (typeof fields !== "object" || fields === null || Array.isArray(fields))
        throw new Error("not an object");
    } catch {
      return plain(response, 400, "invalid_payload");
    }
    const channel = channelById(channelId);
    if (!channel) return plain(response, 404, "channel_not_found");
    if (channel.archived) return plain(response, 410, "channel_is_archived");
    const problem = checkMessage(fields);
    if (problem === "no_text") return plain(response, 400, "no_text");
    if (problem) return plain(response, 400, "invalid_blocks");
    record("webhook", channel.id, fields);
    plain(response, 200, "ok");
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://emulator");
    const api = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    const handled = api
      ? webApi(api[1] as string, request, response)
      : WEBHOOK_PATH.test(url.pathname)
        ? webhook(url.pathname, request, response)
        : Promise.resolve(plain(response, 404, "not_found"));
    handled.catch(() => {
      if (!response.headersSent) plain(response, 500, "rollup_error");
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    apiUrl: `${endpoint}/api/`,
    endpoint,
    deliveries,
    calls,
    createWebhook(channel) {
      hookCounter += 1;
      const secret = `${Math.random().toString(36).slice(2)}${hookCounter}X${Date.now().toString(36)}`;
      const path = `/services/T0EMULATOR/B0HOOK${hookCounter}/${secret}`;
      webhooks.set(path, channel);
      return `${endpoint}${path}`;
    },
    revokeWebhook(url) {
      webhooks.delete(new URL(url).pathname);
    },
    archiveChannel(id) {
      const channel = channelById(id);
      if (channel) channel.archived = true;
    },
    fail(target, fault, times = 1) {
      faults.push({ target, fault, remaining: times });
    },
    reset() {
      deliveries.length = 0;
      calls.length = 0;
      faults.length = 0;
    },
    stop: () => closeServer(server),
  };
}
