import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SlackCredentials, SlackWebhook } from "@tessera/slack";
import { type SlackEmulator, startSlackEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, type CliResult, createCliHome, repositoryRoot } from "./helpers/cli.js";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const slackPackage = join(repositoryRoot, "integrations/slack");
const token = `xoxb-cli-${randomBytes(8).toString("hex")}`;

let cli: CliHome;
let slack: SlackEmulator;
let hookUrl: string;

/** Every form of a secret that output could carry. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString("base64").slice(0, -4),
  ];
}

function expectNoSecrets(result: CliResult) {
  const output = result.stdout + result.stderr;
  for (const secret of [token, hookUrl, new URL(hookUrl).pathname]) {
    for (const form of forms(secret)) expect(output).not.toContain(form);
  }
}

/** Runs the CLI from test/ (where @tessera/slack is installed) with debug logging on. */
const tessera = (args: string[], options: { input?: string } = {}) =>
  cli.run(args, {
    cwd: testDirectory,
    env: { TESSERA_DEBUG: "1", SLACK_TOKEN: token },
    ...options,
  });

async function ensureSlackBuilt(): Promise<void> {
  const { stdout } = await run("find", [
    join(slackPackage, "src"),
    "-newer",
    join(slackPackage, "dist/index.js"),
  ]).catch(() => ({ stdout: "dist/ is missing" }));
  if (stdout.trim() !== "") await run("pnpm", ["run", "build"], { cwd: slackPackage });
}

beforeAll(async () => {
  await ensureSlackBuilt();
  cli = await createCliHome();
  slack = await startSlackEmulator({ tokens: [token] });
  hookUrl = slack.createWebhook("C0ALERTS");
  expect((await tessera(["block", "register", "-m", "@tessera/slack"])).status).toBe(0);
  const created = [
    await tessera(["block", "create", SlackWebhook.type, "ops", "--from-file", "-"], {
      input: JSON.stringify({ url: hookUrl, allowCustomHost: true }),
    }),
    await tessera([
      "block",
      "create",
      SlackCredentials.type,
      "bot",
      "--secret-from-env",
      "token=SLACK_TOKEN",
      "--set",
      `apiUrl=${slack.apiUrl}`,
      "--set",
      "defaultChannel=#alerts",
    ]),
  ];
  for (const result of created) {
    expect(result.status).toBe(0);
    expectNoSecrets(result);
  }
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await cli?.remove();
});

describe("Slack notifications through the command line leak no token or webhook URL", () => {
  it("delivers through the webhook and the token, printing neither", async () => {
    for (const slug of ["slack-webhook/ops", "slack-credentials/bot"]) {
      const result = await tessera(["notify", slug, "--subject", "Nightly", "--body", "done"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Sent 1 message through ${slug}`));
      expectNoSecrets(result);
    }
    expect(
      slack.deliveries.map((delivery) => [delivery.via, delivery.channel, delivery.text]),
    ).toEqual([
      ["webhook", "C0ALERTS", "Nightly\ndone"],
      ["api", "C0ALERTS", "Nightly\ndone"],
    ]);
    const inspected = await tessera(["block", "inspect", "slack-credentials/bot", "--json"]);
    expect(inspected.stdout).toContain("********");
    expectNoSecrets(inspected);
  });

  it("fails loudly with a code, and prints no secret, for every Slack failure", async () => {
    slack.fail("webhook", { kind: "error", status: 410, error: "channel_is_archived" });
    slack.fail("chat.postMessage", { kind: "error", error: "not_in_channel" });
    slack.fail("webhook", { kind: "rate-limit", retryAfterSeconds: 120 });
    slack.fail("chat.postMessage", { kind: "hang" });
    const expected: [string, string[], RegExp][] = [
      ["slack-webhook/ops", [], /^error SLACK_REJECTED: .*channel_is_archived/m],
      ["slack-credentials/bot", [], /^error SLACK_REJECTED: .*not_in_channel.*Invite the app/m],
      ["slack-webhook/ops", [], /^error NOTIFICATION_RATE_LIMITED: .*wait 120 s/m],
      ["slack-credentials/bot", ["--deadline", "1"], /^error NOTIFICATION_TIMEOUT: /m],
    ];
    for (const [slug, extra, pattern] of expected) {
      const result = await tessera(["notify", slug, "--body", "x", ...extra]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(pattern);
      expectNoSecrets(result);
    }
    expect(slack.deliveries.filter((delivery) => delivery.text === "x")).toEqual([]);
  });
});
