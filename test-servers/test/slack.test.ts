import { WebClient } from "@slack/web-api";
import { IncomingWebhook } from "@slack/webhook";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../src/index.js";

let slack: SlackEmulator;
const token = "xoxb-emulator-token";

beforeAll(async () => {
  slack = await startSlackEmulator({ pageSize: 1 });
});
afterEach(() => slack.reset());
afterAll(() => slack.stop());

function client(options: { token?: string } = {}) {
  return new WebClient(options.token ?? token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

describe("the Slack emulator's Web API, through @slack/web-api", () => {
  it("posts a message with blocks (a form-encoded body) and records the delivery", async () => {
    const result = await client().chat.postMessage({
      channel: "C0ALERTS",
      text: "fallback",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }],
    });
    expect(result).toMatchObject({ ok: true, channel: "C0ALERTS" });
    expect(slack.deliveries).toEqual([
      expect.objectContaining({
        via: "api",
        channel: "C0ALERTS",
        text: "fallback",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }],
        ts: result.ts,
      }),
    ]);
  });

  it("accepts a JSON body with a Bearer token", async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0GENERAL", text: "as json" }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: "C0GENERAL" });
    expect(slack.deliveries.map((delivery) => delivery.text)).toEqual(["as json"]);
  });

  it("refuses a wrong token with invalid_auth and a missing one with not_authed", async () => {
    await expect(client({ token: "xoxb-wrong" }).auth.test()).rejects.toMatchObject({
      code: "slack_webapi_platform_error",
      data: { ok: false, error: "invalid_auth" },
    });
    const response = await fetch(`${slack.apiUrl}auth.test`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("answers ok:false for a missing channel, an archived one and an empty message", async () => {
    await expect(client().chat.postMessage({ channel: "C0NONE", text: "x" })).rejects.toMatchObject(
      {
        data: { error: "channel_not_found" },
      },
    );
    await expect(
      client().chat.postMessage({ channel: "C0GENERAL", text: "" }),
    ).rejects.toMatchObject({ data: { error: "no_text" } });
    expect(slack.deliveries).toEqual([]);
  });

  it("pages conversations.list with cursors", async () => {
    const names: string[] = [];
    for await (const page of client().paginate("conversations.list", { limit: 1 })) {
      names.push(
        ...(((page as { channels?: unknown }).channels as { name: string }[]) ?? []).map(
          (channel) => channel.name,
        ),
      );
    }
    expect(names).toEqual(["general", "alerts"]);
  });

  it("answers a rate limit with 429 and Retry-After, which the client reports", async () => {
    slack.fail("chat.postMessage", { kind: "rate-limit", retryAfterSeconds: 7 });
    await expect(
      client().chat.postMessage({ channel: "C0GENERAL", text: "x" }),
    ).rejects.toMatchObject({
      code: "slack_webapi_rate_limited_error",
      retryAfter: 7,
    });
    expect(slack.deliveries).toEqual([]);
  });
});

describe("the Slack emulator's incoming webhooks, through @slack/webhook", () => {
  it("posts JSON to the webhook's channel and answers ok", async () => {
    const hook = new IncomingWebhook(slack.createWebhook("C0ALERTS"));
    expect(await hook.send({ text: "from a hook" })).toEqual({ text: "ok" });
    expect(slack.deliveries).toEqual([
      expect.objectContaining({ via: "webhook", channel: "C0ALERTS", text: "from a hook" }),
    ]);
  });

  it("answers plain-text errors with Slack's statuses", async () => {
    const url = slack.createWebhook("C0ALERTS");
    const cases: [() => void, number, string][] = [
      [() => slack.revokeWebhook(url), 404, "no_service"],
      [
        () => slack.fail("webhook", { kind: "error", status: 403, error: "action_prohibited" }),
        403,
        "action_prohibited",
      ],
    ];
    for (const [prepare, status, body] of cases) {
      prepare();
      await expect(new IncomingWebhook(url).send({ text: "x" })).rejects.toMatchObject({
        code: "slack_webhook_http_error",
        statusCode: status,
        body,
      });
    }
    const archived = slack.createWebhook("C0GENERAL");
    slack.archiveChannel("C0GENERAL");
    await expect(new IncomingWebhook(archived).send({ text: "x" })).rejects.toMatchObject({
      statusCode: 410,
      body: "channel_is_archived",
    });
    const empty = slack.createWebhook("C0ALERTS");
    await expect(new IncomingWebhook(empty).send({})).rejects.toMatchObject({
      statusCode: 400,
      body: "no_text",
    });
    expect(slack.deliveries).toEqual([]);
  });

  it("answers a rate limit with 429 and Retry-After, which the webhook client does not retry", async () => {
    const url = slack.createWebhook("C0ALERTS");
    slack.fail("webhook", { kind: "rate-limit", retryAfterSeconds: 3 });
    await expect(
      new IncomingWebhook(url, { retryConfig: { retries: 3 } }).send({ text: "x" }),
    ).rejects.toMatchObject({ statusCode: 429, body: "rate_limited" });
    expect(slack.deliveries).toEqual([]);
  });
});
