import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createMemoryStore,
  type NotifyMessage,
  notifyAll,
  setDefaultStore,
  Webhook,
} from "../src/index.js";
import { describeNotifier } from "../src/testing/index.js";
import { type NotifyEndpoint, startNotifyEndpoint } from "./notify-endpoint.js";

describeNotifier(
  { describe, it, expect, beforeEach, afterEach },
  async (behaviour) => {
    const endpoint = await startNotifyEndpoint(behaviour);
    return {
      notifier: new Webhook({
        url: endpoint.url,
        headers: { authorization: "Bearer hdr-s3cr3t-value" },
      }),
      delivered: () => endpoint.accepted.map((body) => (body as { text: string }).text),
      secrets: [endpoint.url, "hdr-s3cr3t-value", "x0secretpathpart"],
      cleanup: () => endpoint.stop(),
    };
  },
  { name: "webhook passes the notifier conformance suite" },
);

describe("webhook", () => {
  let endpoint: NotifyEndpoint | undefined;
  beforeEach(() => {
    setDefaultStore(createMemoryStore());
  });
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
  });

  it("fills the body template with the subject, the body and Block Kit blocks as JSON", async () => {
    endpoint = await startNotifyEndpoint();
    const hook = new Webhook({
      url: endpoint.url,
      method: "PUT",
      headers: { "X-Api-Key": "key-s3cr3t-value" },
      bodyTemplate: {
        title: "[{{ subject }}]",
        details: { text: "{{body}}" },
        extra: "{{ blocks }}",
      },
    });
    const message: NotifyMessage = {
      subject: 'Load "nightly"',
      body: "line one\nline two",
      blocks: [{ type: "divider" }],
    };
    const result = await hook.notify(message);
    expect(result).toEqual({ notifier: "webhook", parts: 1, ids: [], attempts: 1 });
    expect(endpoint.accepted).toEqual([
      {
        title: '[Load "nightly"]',
        details: { text: "line one\nline two" },
        extra: [{ type: "divider" }],
      },
    ]);
    expect(endpoint.requests[0]?.["x-api-key"]).toBe("key-s3cr3t-value");
    expect(endpoint.requests[0]?.["content-type"]).toBe("application/json");
  });

  it("sends { text: subject, line break, body } by default", async () => {
    endpoint = await startNotifyEndpoint();
    await new Webhook({ url: endpoint.url }).notify({ subject: "Done", body: "All good" });
    expect(endpoint.accepted).toEqual([{ text: "Done\nAll good" }]);
  });

  it("refuses a body template with an unknown placeholder when the block is made", () => {
    expect(
      () => new Webhook({ url: "https://example.com/x", bodyTemplate: { a: "{{ sender }}" } }),
    ).toThrow(/unknown placeholder \{\{ sender \}\}/);
  });

  it("refuses to save a URL that is not http or https, without quoting it", async () => {
    const error = await new Webhook({ url: "ftp://user:pw-s3cr3t@example.com/x" })
      .save("bad")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "VALIDATION_FAILED", problems: [{ path: "url" }] });
    expect(inspect(error)).not.toContain("pw-s3cr3t");
  });

  it("keeps the URL and header values encrypted and masked once saved", async () => {
    endpoint = await startNotifyEndpoint();
    await new Webhook({ url: endpoint.url, headers: { authorization: "Bearer hdr-s3cr3t" } }).save(
      "ops",
    );
    const loaded = await Webhook.load("ops");
    expect(JSON.stringify(loaded)).not.toContain("hdr-s3cr3t");
    expect(JSON.stringify(loaded)).not.toContain(endpoint.url);
    expect(Webhook.secretFields).toEqual(["headers.*", "url"]);
    expect((await loaded.notify({ body: "from a saved block" })).notifier).toBe("webhook/ops");
  });

  it("names the status and the endpoint's answer when it refuses, never the URL", async () => {
    endpoint = await startNotifyEndpoint({ kind: "refuse" });
    const error = await new Webhook({ url: endpoint.url })
      .notify({ body: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "NOTIFICATION_FAILED",
      status: 404,
      mayHaveBeenDelivered: false,
    });
    expect((error as Error).message).toContain("HTTP 404 (no_such_hook)");
    expect((error as Error).message).not.toContain(endpoint.url);
  });

  it("fails without retrying when nothing listens, saying nothing was delivered", async () => {
    endpoint = await startNotifyEndpoint();
    const url = endpoint.url;
    await endpoint.stop();
    endpoint = undefined;
    const error = await new Webhook({ url })
      .notify({ body: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "NOTIFICATION_FAILED", mayHaveBeenDelivered: false });
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("refuses a message without a body with INVALID_INPUT", () => {
    expect(() => new Webhook({ url: "https://example.com/x" }).notify({} as NotifyMessage)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });

  it("uses a 30 second deadline when none is given: waits out a 29 s Retry-After, not a 31 s one", async () => {
    endpoint = await startNotifyEndpoint({ kind: "rate-limit", retryAfterSeconds: 31, times: 1 });
    const refused = await new Webhook({ url: endpoint.url })
      .notify({ body: "x" })
      .catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: "NOTIFICATION_RATE_LIMITED", retryAfterSeconds: 31 });
    await endpoint.stop();

    endpoint = await startNotifyEndpoint({ kind: "rate-limit", retryAfterSeconds: 29, times: 1 });
    const controller = new AbortController();
    const waiting = new Webhook({ url: endpoint.url })
      .notify({ body: "x" }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    expect(await waiting).toMatchObject({ code: "NOTIFICATION_CANCELLED" });
  });
});

describe("notifyAll", () => {
  const endpoints: NotifyEndpoint[] = [];
  beforeEach(() => {
    setDefaultStore(createMemoryStore());
  });
  afterEach(async () => {
    for (const endpoint of endpoints.splice(0)) await endpoint.stop();
  });

  it("sends to every notifier and reports each outcome in order, failures included", async () => {
    const good = await startNotifyEndpoint();
    const bad = await startNotifyEndpoint({ kind: "refuse" });
    endpoints.push(good, bad);
    await new Webhook({ url: good.url }).save("good");
    await new Webhook({ url: bad.url }).save("bad");
    const outcomes = await notifyAll(["webhook/good", "webhook/bad", "webhook/missing"], {
      subject: "s",
      body: "to all",
    });
    expect(outcomes.map((outcome) => [outcome.slug, outcome.ok])).toEqual([
      ["webhook/good", true],
      ["webhook/bad", false],
      ["webhook/missing", false],
    ]);
    expect(outcomes[1]).toMatchObject({ error: { code: "NOTIFICATION_FAILED" } });
    expect(outcomes[2]).toMatchObject({ error: { code: "BLOCK_NOT_FOUND" } });
    expect(good.accepted).toEqual([{ text: "s\nto all" }]);
  });

  it("reports a block that cannot notify as INVALID_INPUT", async () => {
    const { Secret } = await import("../src/index.js");
    await new Secret({ value: "v" }).save("not-a-notifier");
    const [outcome] = await notifyAll(["secret/not-a-notifier"], { body: "x" });
    expect(outcome).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
  });
});
