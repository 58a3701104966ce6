import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome } from "./helpers/cli.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
});

afterAll(async () => {
  await cli.remove();
});

/** The subcommand names a help text lists under "Commands:". */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1];
  if (!section) return [];
  const names: string[] = [];
  for (const line of section.split("\n")) {
    if (/^\S/.test(line)) break;
    const match = /^ {2}([a-z][a-z-]*)/.exec(line);
    if (match && match[1] !== "help") names.push(match[1]!);
  }
  return names;
}

describe("tessera command line", () => {
  it("prints help with an example for every command and subcommand", async () => {
    const pending: string[][] = [[]];
    const seen: string[] = [];
    while (pending.length > 0) {
      const path = pending.shift()!;
      const help = await cli.ok([...path, "--help"]);
      expect(help, `help of "${path.join(" ")}"`).toMatch(/^Examples?:\n {2}\$ tessera /m);
      seen.push(path.join(" "));
      for (const name of listedCommands(help)) pending.push([...path, name]);
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        "block register",
        "block type ls",
        "block type inspect",
        "block ls",
        "block inspect",
        "block create",
        "block edit",
        "block delete",
        "block history",
        "block rollback",
        "block rename",
        "block diff",
        "secret set",
        "secret get",
        "key status",
        "key rotate",
        "integrations",
      ]),
    );
  });

  it("suggests the closest command for a mistyped command, at any depth", async () => {
    const top = await cli.run(["blok", "ls"]);
    expect(top.status).toBe(2);
    expect(top.stderr).toMatch(/^error UNKNOWN_COMMAND: .*Did you mean block\?/);

    const nested = await cli.run(["block", "inspekt", "a/b"]);
    expect(nested.status).toBe(2);
    expect(nested.stderr).toContain("Did you mean inspect?");

    const deeper = await cli.run(["block", "type", "lss"]);
    expect(deeper.stderr).toContain("Did you mean ls?");
  });

  it("answers help <command> with that command's help, and a mistyped name with a suggestion", async () => {
    const help = await cli.run(["help", "block", "inspect"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tessera block inspect \[options\] <slug>/);
    expect((await cli.run(["block", "help", "diff"])).stdout).toMatch(/^Usage: tessera block diff/);

    for (const args of [
      ["help", "blok"],
      ["help", "block", "inspekt"],
      ["block", "help", "inspekt"],
    ]) {
      const result = await cli.run(args);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^error UNKNOWN_COMMAND: .*Did you mean (block|inspect)\?/);
    }
  });

  it("suggests the closest option for a mistyped option of a subcommand", async () => {
    const result = await cli.run(["block", "ls", "--tpye", "s3-bucket"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error UNKNOWN_OPTION: .*Did you mean --type\?/);
    expect(result.stderr).toContain("tessera block ls --help");
  });

  it("reports a user error as one line with its code, no stack, and a non-zero status", async () => {
    const result = await cli.run(["block", "inspect", "s3-bucket/missing"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error BLOCK_NOT_FOUND: .*s3-bucket\/missing/);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("prints the stack of an error only when TESSERA_DEBUG=1", async () => {
    const result = await cli.run(["block", "inspect", "s3-bucket/missing"], {
      env: { TESSERA_DEBUG: "1" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error BLOCK_NOT_FOUND: /);
    expect(result.stderr).toMatch(/\bat .*\.js:\d+/);
  });

  it("refuses a malformed slug with INVALID_SLUG", async () => {
    const result = await cli.run(["block", "inspect", "S3-Bucket/../x"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_SLUG: /);
  });

  it("refuses a revision that is not a number before touching the store", async () => {
    const result = await cli.run(["block", "inspect", "a/b", "--revision", "two"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error INVALID_ARGUMENT: .*"two" is not a revision number/);
  });

  it("prints no colour codes when output is not a terminal, and colours when FORCE_COLOR is set", async () => {
    const plain = await cli.run(["block", "inspect", "a/missing"]);
    expect(plain.stderr).not.toContain("\u001b[");
    const forced = await cli.run(["block", "inspect", "a/missing"], {
      env: { NO_COLOR: undefined, FORCE_COLOR: "1" },
    });
    expect(forced.stderr).toContain("\u001b[");
  });

  it("says to use base64 when a master key is given as hex, without showing it", async () => {
    const hexKey = randomBytes(32).toString("hex");
    const result = await cli.run(["key", "status"], { env: { TESSERA_ENCRYPTION_KEY: hexKey } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_KEY: /);
    expect(result.stderr).toContain("hexadecimal");
    expect(result.stderr).toContain("base64");
    expect(result.stderr).not.toContain(hexKey);
  });

  it("prints its version", async () => {
    expect(await cli.ok(["--version"])).toMatch(/^\d+\.\d+\.\d+/);
  });
});
