import { spawn } from "@lydell/node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, cliPath, createCliHome, writeExampleBlocks } from "./helpers/cli.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
  await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
});

afterAll(async () => {
  await cli.remove();
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal escapes on purpose
const escapes = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

/** A CLI run on a pseudo-terminal: wait for text on screen, type keys, wait for the exit. */
function runOnTerminal(
  args: string[],
  env: Record<string, string | undefined> = { NO_COLOR: "1" },
) {
  const terminal = spawn(process.execPath, [cliPath, ...args], {
    name: "xterm-256color",
    cols: 120,
    rows: 40,
    cwd: cli.home,
    env: Object.fromEntries(
      Object.entries({ ...cli.env, ...env }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    ),
  });
  let screen = "";
  const exited = new Promise<number>((resolve) => {
    terminal.onExit(({ exitCode }) => resolve(exitCode));
  });
  terminal.onData((data) => {
    screen += data;
  });
  return {
    get raw() {
      return screen;
    },
    get text() {
      return screen.replace(escapes, "");
    },
    async waitFor(pattern: RegExp, timeout = 15_000): Promise<void> {
      const deadline = Date.now() + timeout;
      while (!pattern.test(screen.replace(escapes, ""))) {
        if (Date.now() > deadline) {
          throw new Error(
            `Timed out waiting for ${pattern}; screen:\n${screen.replace(escapes, "")}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    type(keys: string) {
      terminal.write(keys);
    },
    exited,
  };
}

describe("interactive tessera block create", () => {
  it("prompts for each missing field, hides secret input and saves the block", async () => {
    const secretValue = "pty-canary-secret-8841";
    const session = runOnTerminal(["block", "create", "db-credentials", "typed"]);
    await session.waitFor(/user \(string\)/);
    session.type("analyst\r");
    await session.waitFor(/password \(string\)/);
    session.type(`${secretValue}\r`);
    expect(await session.exited).toBe(0);
    expect(session.text).toContain("Saved db-credentials/typed (revision 1).");
    expect(session.text).not.toContain(secretValue);

    const stored = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/typed", "--show-secrets", "--json"]),
    );
    expect(stored.data).toEqual({ user: "analyst", password: secretValue });
  });

  it("checks typed values against the schema and offers enum choices", async () => {
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "for-tty",
        "--set",
        "user=u",
        "--secret-from-env",
        "password=PW",
      ],
      { env: { PW: "pty-other-secret" } },
    );
    const session = runOnTerminal([
      "block",
      "create",
      "warehouse",
      "typed",
      "--link",
      "credentials=db-credentials/for-tty",
    ]);
    await session.waitFor(/host \(string\) — Host name/);
    session.type("tty.internal\r");
    await session.waitFor(/port \(integer, default 5432\)/);
    session.type("many\r");
    await session.waitFor(/takes a number/);
    session.type("\u007f".repeat(4));
    session.type("7000\r");
    await session.waitFor(/ssl \(boolean, default true\)/);
    session.type("\r");
    await session.waitFor(/mode \(/);
    session.type("\u001b[B\r");
    await session.waitFor(/options\.timeout/);
    session.type("\r");
    await session.waitFor(/options\.schema/);
    session.type("\r");
    expect(await session.exited).toBe(0);
    const stored = JSON.parse(await cli.ok(["block", "inspect", "warehouse/typed", "--json"]));
    expect(stored.data).toMatchObject({
      host: "tty.internal",
      port: 7000,
      ssl: true,
      mode: "write",
    });
  });

  it("offers the saved blocks of a nested block field's type and links the one chosen", async () => {
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "aaa-first",
        "--set",
        "user=first",
        "--secret-from-env",
        "password=PW",
      ],
      { env: { PW: "pty-linked-secret" } },
    );
    const session = runOnTerminal([
      "block",
      "create",
      "warehouse",
      "linked",
      "--set",
      "host=h",
      "--set",
      "port=1",
      "--set",
      "ssl=true",
      "--set",
      "mode=read",
    ]);
    await session.waitFor(/credentials \(block db-credentials\): link a saved one/);
    expect(session.text).toContain("db-credentials/aaa-first");
    session.type("\r");
    await session.waitFor(/options\.timeout/);
    session.type("\r");
    await session.waitFor(/options\.schema/);
    session.type("\r");
    expect(await session.exited).toBe(0);
    const stored = JSON.parse(await cli.ok(["block", "inspect", "warehouse/linked", "--json"]));
    expect(stored.data.credentials).toEqual({ $ref: "db-credentials/aaa-first" });
  });

  it("reads tessera secret set from a hidden prompt", async () => {
    const value = "pty-hidden-secret-3307";
    const session = runOnTerminal(["secret", "set", "typed-secret"]);
    await session.waitFor(/Value of secret\/typed-secret \(hidden\)/);
    session.type(`${value}\r`);
    expect(await session.exited).toBe(0);
    expect(session.text).toContain("Saved secret/typed-secret (revision 1).");
    expect(session.text).not.toContain(value);
    expect(await cli.ok(["secret", "get", "typed-secret", "--reveal"])).toBe(`${value}\n`);
  });

  it("colours its tables on a terminal", async () => {
    const session = runOnTerminal(["block", "type", "ls"], { NO_COLOR: undefined });
    expect(await session.exited).toBe(0);
    expect(session.raw).toContain("\u001b[1mTYPE");
    expect(session.text).toMatch(/^db-credentials\s+Database credentials/m);
  });

  it("saves nothing when the prompt is cancelled", async () => {
    const session = runOnTerminal(["block", "create", "db-credentials", "cancelled"]);
    await session.waitFor(/user \(string\)/);
    session.type("\u0003");
    expect(await session.exited).toBe(1);
    expect(session.text).toMatch(/error INVALID_INPUT: The prompt was cancelled/);
    const result = await cli.run(["block", "inspect", "db-credentials/cancelled"]);
    expect(result.status).toBe(1);
  });
});
