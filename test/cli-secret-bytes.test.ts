import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, cliPath, createCliHome, repositoryRoot } from "./helpers/cli.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
});

afterAll(async () => {
  await cli.remove();
});

/** Runs `tessera <args>` with bytes on standard input; standard output comes back as bytes. */
function runBytes(
  args: readonly string[],
  input: Uint8Array = new Uint8Array(),
): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repositoryRoot,
      env: cli.env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) =>
      resolvePromise({ status, stdout: Buffer.concat(stdout), stderr }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/** Random bytes that are certainly not UTF-8 text (a lone continuation byte up front). */
function binaryBytes(length: number): Buffer {
  const bytes = randomBytes(length);
  bytes[0] = 0x80;
  return bytes;
}

describe("binary secrets through the CLI", () => {
  it("keeps 2,000 random bytes from --stdin exactly and gives them back with --reveal --raw", async () => {
    const bytes = binaryBytes(2_000);
    const set = await runBytes(["secret", "set", "keystore", "--stdin"], bytes);
    expect(set.stderr).toBe("");
    expect(set.status).toBe(0);
    const raw = await runBytes(["secret", "get", "keystore", "--reveal", "--raw"]);
    expect(raw.status).toBe(0);
    expect(raw.stdout.length).toBe(2_000);
    expect(raw.stdout.equals(bytes)).toBe(true);
    const masked = await runBytes(["secret", "get", "keystore"]);
    expect(masked.stdout.toString("utf8")).toContain("********");
    expect(masked.stdout.includes(bytes.subarray(0, 16))).toBe(false);
  });

  it("writes the exact bytes to a file created 0600 with --output, replacing a symlink instead of following it", async () => {
    const bytes = binaryBytes(2_000);
    await runBytes(["secret", "set", "blob", "--stdin"], bytes);
    const target = join(cli.home, "blob.bin");
    const result = await runBytes(["secret", "get", "blob", "--reveal", "--output", target]);
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toContain("2000 bytes");
    expect(readFileSync(target).equals(bytes)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    const outside = join(cli.home, "outside.txt");
    writeFileSync(outside, "untouched", { mode: 0o644 });
    const link = join(cli.home, "link.bin");
    symlinkSync(outside, link);
    expect((await runBytes(["secret", "get", "blob", "--reveal", "-o", link])).status).toBe(0);
    expect(readFileSync(outside, "utf8")).toBe("untouched");
    expect(readFileSync(link).equals(bytes)).toBe(true);
    expect(statSync(link).mode & 0o777).toBe(0o600);
  });

  it("keeps text input as text, and with --binary keeps even a trailing newline", async () => {
    await runBytes(["secret", "set", "token", "--stdin"], Buffer.from("tok-é-1\n"));
    const raw = await runBytes(["secret", "get", "token", "--reveal", "--raw"]);
    expect(raw.stdout.toString("utf8")).toBe("tok-é-1");
    const line = await runBytes(["secret", "get", "token", "--reveal"]);
    expect(line.stdout.toString("utf8")).toBe("tok-é-1\n");
    const json = JSON.parse(
      (await runBytes(["secret", "get", "token", "--reveal", "--json"])).stdout.toString("utf8"),
    ) as { value: unknown };
    expect(json.value).toBe("tok-é-1");

    const exact = Buffer.from("line one\nline two\n");
    await runBytes(["secret", "set", "exact", "--stdin", "--binary"], exact);
    const back = await runBytes(["secret", "get", "exact", "--reveal", "--raw"]);
    expect(back.stdout.equals(exact)).toBe(true);
  });

  it("refuses --raw or --output without --reveal, and an --output folder that does not exist", async () => {
    await runBytes(["secret", "set", "guarded", "--stdin"], binaryBytes(64));
    const raw = await runBytes(["secret", "get", "guarded", "--raw"]);
    expect(raw.status).toBe(1);
    expect(raw.stderr).toMatch(/^error INVALID_INPUT: .*--reveal/);
    expect(raw.stdout.length).toBe(0);
    const output = await runBytes([
      "secret",
      "get",
      "guarded",
      "--output",
      join(cli.home, "x.bin"),
    ]);
    expect(output.status).toBe(1);
    expect(output.stderr).toMatch(/^error INVALID_INPUT: .*--reveal/);
    const missing = await runBytes([
      "secret",
      "get",
      "guarded",
      "--reveal",
      "--output",
      join(cli.home, "no-such-folder", "x.bin"),
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error INVALID_INPUT: Cannot create a file/);
  });
});
