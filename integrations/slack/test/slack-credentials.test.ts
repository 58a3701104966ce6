import { inspect } from "node:util";
import { createMemoryStore, setDefaultStore } from "@tessera/core";
import { describeNotifier } from "@tessera/core/testing";
import { type SlackEmulator, startSlackEmulator } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackCredentials } from "../src/index.js";

const token = "xoxb-emulator-token";

describeNotifier(
  { describe, it, expect, beforeEach, afterEach },
  async (behaviour) => {
    const slack = await startSlackEmulator();
    if (behaviour.kind === "rate-limit") {
      slack.fail(
        "chat.postMessage",
        { kind: "rate-limit", retryAfterSeconds: behaviour.retryAfterSeconds },
        behaviour.times,
      );
    }
    if (behaviour.kind === "hang") slack.fail("chat.postMessage", { kind: "hang" });
    return {
      notifier: new SlackCredentials({
        token,
        apiUrl: slack.apiUrl,
        defaultChannel: behaviour.kind === "refuse" ? "C0MISSING" : "C0ALERTS",
      }),
      delivered: () => slack.deliveries.map((delivery) => delivery.text ?? ""),
      secrets: [token],
      cleanup: () => slack.stop(),
    };
  },
  { name: "SlackCredentials passes the notifier conformance suite" },
);

describe("SlackCredentials", () => {
  let slack: SlackEmulator;
  beforeEach(async () => {
    setDefaultStore(createMemoryStore());
    slack = await startSlackEmulator({ pageSize: 1 });
  });
  afterEach(() => slack.stop());

  it("refuses at save a token that does not look like a Slack token, without quoting it", async () => {
    const error = await new SlackCredentials({ token: "not-a-token-s3cr3t" })
      .save("bad")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "VALIDATION_FAILED", problems: [{ path: "token" }] });
    expect(inspect(error)).not.toContain("not-a-token-s3cr3t");
    await new SlackCredentials({ token: "xoxp-1234-5678-abcdef" }).save("user-token");
    await new SlackCredentials({ token: "xoxe.xoxb-1-abcdefgh" }).save("rotating");
  });

  it("gives a WebClient with a timeout and a small retry budget instead of the SDK's defaults", async () => {
    const credentials = new SlackCredentials({
      token,
      apiUrl: slack.apiUrl,
      timeoutMs: 4_000,
      maxRetries: 1,
    });
    const client = await credentials.client();
    expect(client).toMatchObject({
      timeout: 4_000,
      rejectRateLimitedCalls: true,
      retryConfig: expect.objectContaining({ retries: 1 }),
    });
    expect(
      await new SlackCredentials({
        token,
        apiUrl: slack.apiUrl,
        timeoutMs: 4_000,
        maxRetries: 1,
      }).client(),
    ).toBe(client);
    expect(await client.auth.test()).toMatchObject({ ok: true, team_id: "T0EMULATOR" });
  });

  it("posts to a #name, looking the name up once and reusing its id", async () => {
    const credentials = new SlackCredentials({ token, apiUrl: slack.apiUrl });
    const first = await credentials.postMessage({ channel: "#alerts", text: "one" });
    const second = await credentials.postMessage({
      channel: "#alerts",
      text: "two",
      threadTs: first.ts,
    });
    expect(first.channel).toBe("C0ALERTS");
    expect(second.channel).toBe("C0ALERTS");
    expect(slack.calls.filter((call) => call === "conversations.list")).toHaveLength(1);
    expect(slack.deliveries.map((delivery) => [delivery.text, delivery.threadTs])).toEqual([
      ["one", undefined],
      ["two", first.ts],
    ]);
  });

  it("refuses an unknown #name with SLACK_REJECTED channel_not_found", async () => {
    const error = await new SlackCredentials({ token, apiUrl: slack.apiUrl })
      .postMessage({ channel: "#nowhere", text: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SLACK_REJECTED", slackError: "channel_not_found" });
    expect((error as Error).message).toContain("#nowhere");
  });

  it("turns a refused token into SLACK_REJECTED invalid_auth, never showing the token", async () => {
    const error = await new SlackCredentials({
      token: "xoxb-revoked-t0ken",
      apiUrl: slack.apiUrl,
      defaultChannel: "C0ALERTS",
    })
      .notify({ body: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SLACK_REJECTED", slackError: "invalid_auth" });
    expect(inspect(error) + JSON.stringify(error)).not.toContain("xoxb-revoked-t0ken");
  });

  it("notifies the default channel given as a #name and returns the messages' ts", async () => {
    const result = await new SlackCredentials({
      token,
      apiUrl: slack.apiUrl,
      defaultChannel: "#general",
    }).notify({
      subject: "Done",
      body: "ok",
    });
    expect(result).toEqual({
      notifier: "slack-credentials",
      parts: 1,
      ids: [slack.deliveries[0]?.ts],
      attempts: 1,
    });
    expect(slack.deliveries[0]).toMatchObject({ channel: "C0GENERAL", text: "Done\nok" });
  });

  it("refuses to notify without a default channel with INVALID_INPUT", async () => {
    await expect(
      new SlackCredentials({ token, apiUrl: slack.apiUrl }).notify({ body: "x" }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});
