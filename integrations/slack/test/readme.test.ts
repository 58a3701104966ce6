import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type SlackEmulator, startSlackEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

let slack: SlackEmulator;
let home: string;
beforeAll(async () => {
  slack = await startSlackEmulator();
  home = await mkdtemp(join(tmpdir(), "tessera-slack-readme-"));
});
afterAll(async () => {
  await slack?.stop();
  await rm(home, { recursive: true, force: true });
});

async function firstExample(): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error("the README has no ts example");
  return example;
}

describe("the @tessera/slack README", () => {
  it("starts with the install command, then an example of at most ten lines", async () => {
    const readme = await readFile(readmePath, "utf8");
    const firstBlocks = [...readme.matchAll(/```(\w+)\n/g)].slice(0, 2).map((match) => match[1]);
    expect(firstBlocks).toEqual(["sh", "ts"]);
    expect(readme).toMatch(/```sh\nnpm install @tessera\/core @tessera\/slack\n```/);
    expect((await firstExample()).trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("runs its first example as written, with only the webhook pointed at the Slack emulator", async () => {
    const example = await firstExample();
    const fields = '{ url: "https://hooks.slack.com/services/T000/B000/XXXXXXXX" }';
    expect(example).toContain(fields);
    const local = example.replace(
      fields,
      JSON.stringify({ url: slack.createWebhook("C0ALERTS"), allowCustomHost: true }),
    );
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@tessera/source", "--import", "tsx", "--input-type=module", "--eval", local],
      {
        cwd: testDirectory,
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          TESSERA_HOME: home,
          TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        },
      },
    );
    expect(stdout).toBe("posted 1 message(s)\n");
    expect(slack.deliveries).toEqual([
      expect.objectContaining({
        channel: "C0ALERTS",
        text: "Nightly load finished\n42 rows rejected.",
      }),
    ]);
  }, 60_000);
});
