import { WebClient } from "@slack/web-api";
import {
  type FaultProxy,
  type SlackEmulator,
  startFaultProxy,
  startSlackEmulator,
} from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackCredentials, SlackWebhook } from "../src/index.js";

const token = "xoxb-emulator-token";
let slack: SlackEmulator;
let proxy: FaultProxy;

beforeEach(async () => {
  slack = await startSlackEmulator();
  proxy = await startFaultProxy(slack.endpoint);
});
afterEach(async () => {
  await proxy.stop();
  await slack.stop();
});

/** The webhook's URL with the proxy in front of the emulator. */
function hookThroughProxy(): string {
  const url = new URL(slack.createWebhook("C0ALERTS"));
  return `${proxy.endpoint}${url.pathname}`;
}

const isPost = (path: string) => path.endsWith("/chat.postMessage");

describe("Slack notifications through a faulty network", () => {
  it("ends a webhook post that never gets an answer at the deadline with NOTIFICATION_TIMEOUT", async () => {
    proxy.addRule({ match: () => true, action: { kind: "hang" } });
    const started = Date.now();
    const error = await new SlackWebhook({ url: hookThroughProxy(), allowCustomHost: true })
      .notify({ body: "hung" }, { deadline: 1_000 })
      .catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: "NOTIFICATION_TIMEOUT", deadlineMs: 1_000 });
    expect(elapsed).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(3_000);
    expect(slack.deliveries).toEqual([]);
  });

  it("ends a Web API post that never gets an answer at the deadline with NOTIFICATION_TIMEOUT", async () => {
    proxy.addRule({ match: (request) => isPost(request.path), action: { kind: "hang" } });
    const started = Date.now();
    const error = await new SlackCredentials({
      token,
      apiUrl: `${proxy.endpoint}/api/`,
      defaultChannel: "C0ALERTS",
    })
      .notify({ body: "hung" }, { deadline: 1_000 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "NOTIFICATION_TIMEOUT" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("does not post a webhook message twice when its answer is lost, and says it may have arrived", async () => {
    proxy.addRule({ match: () => true, times: 1, action: { kind: "cut-response", afterBytes: 0 } });
    const error = await new SlackWebhook({ url: hookThroughProxy(), allowCustomHost: true })
      .notify({ body: "once" }, { deadline: 10_000 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "NOTIFICATION_FAILED", mayHaveBeenDelivered: true });
    expect((error as Error).message).toContain("check before sending it again");
    expect(slack.deliveries.map((delivery) => delivery.text)).toEqual(["once"]);
    expect(proxy.requests).toHaveLength(1);
  });

  it("does not post through the Web API twice when the answer is lost, from notify or postMessage", async () => {
    proxy.addRule({
      match: (request) => isPost(request.path),
      times: 2,
      action: { kind: "cut-response", afterBytes: 0 },
    });
    const credentials = new SlackCredentials({
      token,
      apiUrl: `${proxy.endpoint}/api/`,
      defaultChannel: "C0ALERTS",
    });
    const notified = await credentials
      .notify({ body: "notify once" })
      .catch((caught: unknown) => caught);
    expect(notified).toMatchObject({ code: "NOTIFICATION_FAILED", mayHaveBeenDelivered: true });
    const posted = await credentials
      .postMessage({ channel: "C0ALERTS", text: "post once" })
      .catch((caught: unknown) => caught);
    expect(posted).toMatchObject({ code: "NOTIFICATION_FAILED", mayHaveBeenDelivered: true });
    expect(slack.deliveries.map((delivery) => delivery.text)).toEqual(["notify once", "post once"]);
    expect(proxy.requests.filter((request) => isPost(request.path))).toHaveLength(2);
  });

  it("shows the trap avoided: the SDK's own retries post the same message twice", async () => {
    proxy.addRule({
      match: (request) => isPost(request.path),
      times: 1,
      action: { kind: "cut-response", afterBytes: 0 },
    });
    const bare = new WebClient(token, {
      slackApiUrl: `${proxy.endpoint}/api/`,
      retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 },
    });
    await bare.chat.postMessage({ channel: "C0ALERTS", text: "twice" });
    expect(slack.deliveries.map((delivery) => delivery.text)).toEqual(["twice", "twice"]);
  });

  it("waits out a rate limit answered by the network in front of Slack, then delivers once", async () => {
    proxy.addRule({
      match: () => true,
      times: 1,
      action: {
        kind: "respond",
        status: 429,
        headers: { "retry-after": "1" },
        body: "rate_limited",
      },
    });
    const result = await new SlackWebhook({
      url: hookThroughProxy(),
      allowCustomHost: true,
    }).notify({ body: "after 429" }, { deadline: 10_000 });
    expect(result).toMatchObject({ parts: 1, attempts: 2 });
    expect(slack.deliveries.map((delivery) => delivery.text)).toEqual(["after 429"]);
  });
});
