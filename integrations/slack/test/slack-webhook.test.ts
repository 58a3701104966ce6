import { inspect } from "node:util";
import { createMemoryStore, setDefaultStore } from "@tessera/core";
import { describeNotifier } from "@tessera/core/testing";
import { type SlackEmulator, startSlackEmulator } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SLACK_LIMITS, SlackWebhook, splitMessage } from "../src/index.js";

describeNotifier(
  { describe, it, expect, beforeEach, afterEach },
  async (behaviour) => {
    const slack = await startSlackEmulator();
    const url = slack.createWebhook("C0ALERTS");
    if (behaviour.kind === "refuse") slack.revokeWebhook(url);
    if (behaviour.kind === "rate-limit") {
      slack.fail(
        "webhook",
        { kind: "rate-limit", retryAfterSeconds: behaviour.retryAfterSeconds },
        behaviour.times,
      );
    }
    if (behaviour.kind === "hang") slack.fail("webhook", { kind: "hang" });
    return {
      notifier: new SlackWebhook({ url, allowCustomHost: true }),
      delivered: () => slack.deliveries.map((delivery) => delivery.text ?? ""),
      secrets: [url, new URL(url).pathname],
      cleanup: () => slack.stop(),
    };
  },
  { name: "SlackWebhook passes the notifier conformance suite" },
);

describe("SlackWebhook", () => {
  let slack: SlackEmulator;
  beforeEach(async () => {
    setDefaultStore(createMemoryStore());
    slack = await startSlackEmulator();
  });
  afterEach(() => slack.stop());

  it("accepts hooks.slack.com and GovSlack's hooks.slack-gov.com webhook URLs at save", async () => {
    for (const host of ["hooks.slack.com", "hooks.slack-gov.com"]) {
      await new SlackWebhook({ url: `https://${host}/services/T000/B000/XXXXXXXX` }).save(
        host.replace(/\./g, "-"),
      );
    }
    expect((await SlackWebhook.load("hooks-slack-gov-com")).slug).toBe(
      "slack-webhook/hooks-slack-gov-com",
    );
  });

  it("refuses another host, plain http or a path that is not /services/… at save, without quoting the URL", async () => {
    for (const url of [
      "https://evil.example.com/services/T000/B000/sekret-one",
      "http://hooks.slack.com/services/T000/B000/sekret-two",
      "https://hooks.slack.com/workflows/T000/sekret-three",
    ]) {
      const error = await new SlackWebhook({ url }).save("bad").catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "VALIDATION_FAILED", problems: [{ path: "url" }] });
      expect(inspect(error)).not.toMatch(/sekret/);
    }
  });

  it("turns Slack's plain-text errors into SLACK_REJECTED errors that say what to do", async () => {
    const archived = slack.createWebhook("C0GENERAL");
    slack.archiveChannel("C0GENERAL");
    const cases: [string, () => void, RegExp][] = [
      [archived, () => undefined, /channel_is_archived \(HTTP 410\).*unarchive it/],
      [
        slack.createWebhook("C0ALERTS"),
        () => slack.fail("webhook", { kind: "error", status: 403, error: "action_prohibited" }),
        /action_prohibited \(HTTP 403\).*admin restricted/,
      ],
      [
        slack.createWebhook("C0ALERTS"),
        () => slack.fail("webhook", { kind: "error", status: 400, error: "invalid_payload" }),
        /invalid_payload \(HTTP 400\).*Block Kit/,
      ],
      [
        slack.createWebhook("C0ALERTS"),
        () => slack.fail("webhook", { kind: "error", status: 404, error: "channel_not_found" }),
        /channel_not_found \(HTTP 404\)/,
      ],
    ];
    for (const [url, prepare, message] of cases) {
      prepare();
      const error = await new SlackWebhook({ url, allowCustomHost: true })
        .notify({ body: "x" })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "SLACK_REJECTED" });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(new URL(url).pathname);
    }
    const revoked = slack.createWebhook("C0ALERTS");
    slack.revokeWebhook(revoked);
    const error = await new SlackWebhook({ url: revoked, allowCustomHost: true })
      .notify({ body: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SLACK_REJECTED", slackError: "no_service", status: 404 });
    expect((error as Error).message).toContain("create a new incoming webhook");
    expect(slack.deliveries).toEqual([]);
  });

  it("splits a long body into posts under Slack's limits, in order, losing nothing", async () => {
    const url = slack.createWebhook("C0ALERTS");
    const lines = Array.from({ length: 2_000 }, (_, index) => `line ${index} ${"x".repeat(40)}`);
    const body = lines.join("\n");
    const result = await new SlackWebhook({ url, allowCustomHost: true }).notify({
      subject: "Long report",
      body,
    });
    expect(result.parts).toBeGreaterThan(1);
    expect(slack.deliveries).toHaveLength(result.parts);
    const sections = slack.deliveries.flatMap((delivery) =>
      (delivery.blocks as { type: string; text: { text: string } }[]).filter(
        (block) => block.type === "section",
      ),
    );
    expect(
      sections.every((block) => block.text.text.length <= SLACK_LIMITS.sectionCharacters),
    ).toBe(true);
    expect(sections.map((block) => block.text.text).join("\n")).toBe(body);
    for (const delivery of slack.deliveries) {
      expect((delivery.blocks ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect((delivery.text ?? "").length).toBeLessThanOrEqual(SLACK_LIMITS.textCharacters);
    }
    expect(slack.deliveries[0]?.blocks?.[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "Long report" },
    });
  });

  it("sends the message's own Block Kit blocks unchanged, 50 to a post at most", async () => {
    const url = slack.createWebhook("C0ALERTS");
    const blocks = Array.from({ length: 120 }, (_, index) => ({
      type: "context",
      elements: [{ type: "mrkdwn", text: `#${index}` }],
    }));
    const result = await new SlackWebhook({ url, allowCustomHost: true }).notify({
      body: "with blocks",
      blocks,
    });
    expect(result.parts).toBe(3);
    const sent = slack.deliveries.flatMap((delivery) => delivery.blocks ?? []);
    expect(sent.slice(1)).toEqual(blocks);
  });

  it("splits a single line longer than a section without breaking a surrogate pair", () => {
    const body = "😀".repeat(4_000);
    const parts = splitMessage({ body });
    const texts = parts.flatMap((part) =>
      part.blocks.map((block) => (block as { text: { text: string } }).text.text),
    );
    expect(texts.join("")).toBe(body);
    expect(
      texts.every(
        (text) => text.length <= SLACK_LIMITS.sectionCharacters && !/[\uD800-\uDBFF]$/.test(text),
      ),
    ).toBe(true);
  });
});
