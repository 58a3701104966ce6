import { inspect } from "node:util";
import { TesseraError } from "../errors/index.js";
import type { Notifier, NotifyResult } from "../notify/index.js";
import type { ConformanceTestApi } from "./conformance-test-api.js";

/** How the endpoint behind the notifier behaves in one test. */
export type NotifierEndpointBehaviour =
  /** Accepts every message. */
  | { kind: "accept" }
  /** Refuses every message with a permanent error (Slack: `channel_not_found`; HTTP: 404). */
  | { kind: "refuse" }
  /** Answers 429 with `Retry-After: <retryAfterSeconds>` to the first `times` requests, then accepts. */
  | { kind: "rate-limit"; retryAfterSeconds: number; times: number }
  /** Takes the request and never answers. */
  | { kind: "hang" };

/** What the factory of `describeNotifier` gives for each test. */
export interface NotifierFixture {
  /** A notifier pointed at an endpoint that behaves as asked. */
  notifier: Notifier;
  /** The messages the endpoint accepted so far, each as the text a reader would see. */
  delivered(): Promise<string[]> | string[];
  /** Secret values (a token, the webhook URL) that must appear in no error. */
  secrets: readonly string[];
  /** Stops what the test started. @default undefined */
  cleanup?: () => Promise<void> | void;
}

/** Settings of `describeNotifier`. */
export interface DescribeNotifierOptions {
  /** Name of the `describe` block. @default "Notifier conformance" */
  name?: string;
  /** Timeout of each test in ms. @default 20000 */
  timeout?: number;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected notify to reject, but it resolved");
}

function leaks(error: unknown, secrets: readonly string[]): string[] {
  const shown = [
    String(error),
    error instanceof Error ? (error.stack ?? "") : "",
    JSON.stringify(error),
    inspect(error, { depth: 8 }),
  ].join("\n");
  return secrets.filter((value) => value.length > 0 && shown.includes(value));
}

/**
 * The conformance suite of the `notify` capability: every notifier (`webhook`, `slack-webhook`,
 * `slack-credentials`) runs it unchanged. `factory` gives, for each test, a notifier pointed at an
 * endpoint that behaves as the test asks: delivery, a refusing endpoint, 429 with `Retry-After`
 * inside and beyond the deadline, a hung endpoint, cancellation, and no secret in any error.
 *
 * ```ts
 * import { describe, it, expect, beforeEach, afterEach } from "vitest";
 * import { describeNotifier } from "@tessera/core/testing";
 * describeNotifier({ describe, it, expect, beforeEach, afterEach }, async (behaviour) => {
 *   const endpoint = await startMyEndpoint(behaviour);
 *   return { notifier: new Webhook({ url: endpoint.url }), delivered: () => endpoint.texts,
 *     secrets: [endpoint.url], cleanup: () => endpoint.stop() };
 * });
 * ```
 */
export function describeNotifier(
  api: ConformanceTestApi,
  factory: (behaviour: NotifierEndpointBehaviour) => Promise<NotifierFixture> | NotifierFixture,
  options: DescribeNotifierOptions = {},
): void {
  const { describe, it, expect, afterEach } = api;
  const timeout = options.timeout ?? 20_000;
  let fixtures: NotifierFixture[] = [];

  const start = async (behaviour: NotifierEndpointBehaviour): Promise<NotifierFixture> => {
    const fixture = await factory(behaviour);
    fixtures.push(fixture);
    return fixture;
  };

  const expectCoded = (error: unknown, fixture: NotifierFixture, code?: string) => {
    expect(TesseraError.isInstance(error)).toBe(true);
    expect(typeof (error as TesseraError).code).toBe("string");
    if (code !== undefined) expect((error as TesseraError).code).toBe(code);
    expect(leaks(error, fixture.secrets)).toEqual([]);
  };

  describe(options.name ?? "Notifier conformance", () => {
    afterEach(async () => {
      const started = fixtures;
      fixtures = [];
      for (const fixture of started) await fixture.cleanup?.();
    });

    it(
      "delivers a message and reports what it delivered",
      async () => {
        const fixture = await start({ kind: "accept" });
        const result: NotifyResult = await fixture.notifier.notify(
          {
            subject: "Nightly load finished",
            body: 'Rejected 42 rows: "quotes", \\ and ü.\nSee the log.',
          },
          { deadline: 10_000 },
        );
        expect(typeof result.notifier).toBe("string");
        expect(result.parts).toBeGreaterThan(0);
        expect(result.attempts).toBeGreaterThan(0);
        const delivered = await fixture.delivered();
        expect(delivered.length).toBe(result.parts);
        const text = delivered.join("\n");
        expect(text.includes("Nightly load finished")).toBe(true);
        expect(text.includes('Rejected 42 rows: "quotes", \\ and ü.')).toBe(true);
      },
      timeout,
    );

    it(
      "rejects with a coded error when the endpoint refuses, and delivers nothing",
      async () => {
        const fixture = await start({ kind: "refuse" });
        const error = await rejectionOf(
          fixture.notifier.notify({ subject: "s", body: "refused" }, { deadline: 10_000 }),
        );
        expectCoded(error, fixture);
        expect((await fixture.delivered()).length).toBe(0);
      },
      timeout,
    );

    it(
      "waits out a 429 whose Retry-After fits in the deadline, then delivers once",
      async () => {
        const fixture = await start({ kind: "rate-limit", retryAfterSeconds: 1, times: 1 });
        const started = Date.now();
        const result = await fixture.notifier.notify(
          { subject: "s", body: "after a rate limit" },
          { deadline: 10_000 },
        );
        expect(Date.now() - started).toBeGreaterThan(900);
        expect(result.attempts).toBeGreaterThan(1);
        expect((await fixture.delivered()).length).toBe(result.parts);
      },
      timeout,
    );

    it(
      "fails at once with NOTIFICATION_RATE_LIMITED when Retry-After goes beyond the deadline",
      async () => {
        const fixture = await start({ kind: "rate-limit", retryAfterSeconds: 30, times: 1 });
        const started = Date.now();
        const error = await rejectionOf(
          fixture.notifier.notify({ subject: "s", body: "rate limited" }, { deadline: 3_000 }),
        );
        expect(Date.now() - started).toBeLessThan(2_500);
        expectCoded(error, fixture, "NOTIFICATION_RATE_LIMITED");
        expect((await fixture.delivered()).length).toBe(0);
      },
      timeout,
    );

    it(
      "ends a request the endpoint never answers at the deadline with NOTIFICATION_TIMEOUT",
      async () => {
        const fixture = await start({ kind: "hang" });
        const started = Date.now();
        const error = await rejectionOf(
          fixture.notifier.notify({ subject: "s", body: "hung" }, { deadline: 800 }),
        );
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThan(700);
        expect(elapsed).toBeLessThan(2_500);
        expectCoded(error, fixture, "NOTIFICATION_TIMEOUT");
      },
      timeout,
    );

    it(
      "stops when the caller's signal aborts, with NOTIFICATION_CANCELLED",
      async () => {
        const fixture = await start({ kind: "hang" });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 200);
        const started = Date.now();
        const error = await rejectionOf(
          fixture.notifier.notify(
            { subject: "s", body: "cancelled" },
            { deadline: 15_000, signal: controller.signal },
          ),
        );
        expect(Date.now() - started).toBeLessThan(2_500);
        expectCoded(error, fixture, "NOTIFICATION_CANCELLED");
      },
      timeout,
    );

    it(
      "sends nothing when the signal is already aborted",
      async () => {
        const fixture = await start({ kind: "accept" });
        const error = await rejectionOf(
          fixture.notifier.notify(
            { subject: "s", body: "never sent" },
            { signal: AbortSignal.abort() },
          ),
        );
        expectCoded(error, fixture, "NOTIFICATION_CANCELLED");
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await fixture.delivered()).length).toBe(0);
      },
      timeout,
    );
  });
}
