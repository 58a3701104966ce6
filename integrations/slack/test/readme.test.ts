import { fileURLToPath } from "node:url";
import {
  readReadmeOpening,
  runExample,
  type SlackEmulator,
  startSlackEmulator,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let slack: SlackEmulator;
beforeAll(async () => {
  slack = await startSlackEmulator();
});
afterAll(async () => {
  await slack?.stop();
});

describe("the @tessera/slack README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const opening = await readReadmeOpening(readmePath);
    expect(opening.firstBlockLanguages).toEqual(["sh", "ts"]);
    expect(opening.installCommand).toBe("npm install @tessera/core @tessera/slack");
    expect(opening.firstExample.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the webhook pointed at the Slack emulator", async () => {
    const { firstExample: example } = await readReadmeOpening(readmePath);
    const fields = '{ url: "https://hooks.slack.com/services/T000/B000/XXXXXXXX" }';
    expect(example).toContain(fields);
    const local = example.replace(
      fields,
      JSON.stringify({ url: slack.createWebhook("C0ALERTS"), allowCustomHost: true }),
    );
    const { stdout } = await runExample(local, { cwd: testDirectory });
    expect(stdout).toBe("posted 1 message(s)\n");
    expect(slack.deliveries).toEqual([
      expect.objectContaining({
        channel: "C0ALERTS",
        text: "Nightly load finished\n42 rows rejected.",
      }),
    ]);
  }, 60_000);
});
