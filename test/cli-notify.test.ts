import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome } from "./helpers/cli.js";

let cli: CliHome;
let receiver: Server;
let receiverUrl: string;
let mode: "accept" | "refuse" = "accept";
const received: unknown[] = [];
const hookPath = "/hooks/T0CLI/B0CLI/cli-hook-s3cr3t-path";
const headerSecret = "hdr-cli-s3cr3t-7741";

beforeAll(async () => {
  cli = await createCliHome();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (mode === "refuse") {
        response.writeHead(410).end("gone");
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${hookPath}`;
  await cli.ok(["block", "create", "webhook", "ops", "--from-file", "-"], {
    input: JSON.stringify({ url: receiverUrl, headers: { authorization: headerSecret } }),
  });
});

afterEach(() => {
  mode = "accept";
  received.length = 0;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await cli.remove();
});

function expectNoSecrets(text: string) {
  expect(text).not.toContain(hookPath);
  expect(text).not.toContain("cli-hook-s3cr3t-path");
  expect(text).not.toContain(headerSecret);
}

describe("tessera notify", () => {
  it("sends the subject and body through a saved webhook and says what it sent", async () => {
    const out = await cli.ok([
      "notify",
      "webhook/ops",
      "--subject",
      "Nightly load",
      "--body",
      "42 rows rejected",
    ]);
    expect(out).toBe("Sent 1 message through webhook/ops.\n");
    expect(received).toEqual([{ text: "Nightly load\n42 rows rejected" }]);
  });

  it("reads the body from standard input with --body-file -, and prints JSON with --json", async () => {
    const out = await cli.ok(["notify", "webhook/ops", "--body-file", "-", "--json"], {
      input: "line one\nline two\n",
    });
    expect(JSON.parse(out)).toEqual({ notifier: "webhook/ops", parts: 1, ids: [], attempts: 1 });
    expect(received).toEqual([{ text: "line one\nline two" }]);
  });

  it("exits non-zero with NOTIFICATION_FAILED when the endpoint refuses, never printing the URL", async () => {
    mode = "refuse";
    const result = await cli.run(["notify", "webhook/ops", "--body", "x"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error NOTIFICATION_FAILED: Notification through "webhook\/ops" failed: the endpoint answered HTTP 410/,
    );
    expectNoSecrets(result.stdout + result.stderr);
  });

  it("refuses a message without a body, and both --body and --body-file, with INVALID_INPUT", async () => {
    const none = await cli.run(["notify", "webhook/ops", "--subject", "s"]);
    expect(none.stderr).toMatch(/^error INVALID_INPUT: A notification needs a body/);
    const both = await cli.run(["notify", "webhook/ops", "--body", "a", "--body-file", "-"]);
    expect(both.stderr).toMatch(/^error INVALID_INPUT: Give one of --body/);
    expect(received).toEqual([]);
  });
});
