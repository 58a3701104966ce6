import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePackageBuilt, importWithoutModules } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
const SLACK_SDK_MODULES = { description: "Slack's SDKs", prefixes: ["@slack/"] };

let home: string;
beforeAll(async () => {
  await ensurePackageBuilt(packageDirectory);
  home = await mkdtemp(join(tmpdir(), "tessera-slack-lazy-"));
}, 120_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("lazy Slack SDK loading", () => {
  it("imports @tessera/slack and builds its blocks in a process that may not load @slack/web-api or @slack/webhook", async () => {
    const outcome = await importWithoutModules({
      specifier: "@tessera/slack",
      forbidden: SLACK_SDK_MODULES,
      cwd: packageDirectory,
      afterImport: [
        'new imported.SlackWebhook({ url: "https://hooks.slack.com/services/T000/B000/XXXXXXXX" });',
        'new imported.SlackCredentials({ token: "xoxb-0000-lazy-token", defaultChannel: "#ops" });',
        'imported.splitMessage({ subject: "s", body: "b" });',
      ].join(" "),
      env: { TESSERA_HOME: home },
    });
    expect(outcome).toEqual({ status: 0, stderr: "" });
  }, 120_000);
});
