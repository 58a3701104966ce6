import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, writeExampleBlocks } from "./helpers/cli.js";

let cli: CliHome;

/** A value that would recolour, rewrite, retitle and reorder a terminal if printed as is. */
const hostile = "plain\u001b[31mRED\u001b]0;owned\u0007\rOVERWRITTEN\u202eDESREVER\u009b2J\nforged";
/** What must never reach standard output or error outside JSON strings. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters under test.
const active = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

beforeAll(async () => {
  cli = await createCliHome();
  await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
  const file = join(cli.home, "hostile.json");
  await writeFile(file, JSON.stringify({ user: hostile, password: `secret-${hostile}` }));
  await cli.ok(["block", "create", "db-credentials", "hostile", "--from-file", file]);
  await cli.ok(["block", "edit", "db-credentials/hostile", "--set", "user=calm"]);
  await cli.ok(["secret", "set", "hostile", "--stdin"], { input: hostile });
});

afterAll(async () => {
  await cli.remove();
});

describe("human-readable output is inert on a terminal", () => {
  it.each([
    ["block inspect", ["block", "inspect", "db-credentials/hostile", "--revision", "1"]],
    [
      "block inspect --show-secrets",
      ["block", "inspect", "db-credentials/hostile", "--revision", "1", "--show-secrets"],
    ],
    ["block diff", ["block", "diff", "db-credentials/hostile", "1", "2"]],
    ["secret get --reveal", ["secret", "get", "hostile", "--reveal"]],
  ])("escapes ESC[31m, \\r, U+202E and line breaks of a field value in %s", async (_, args) => {
    const result = await cli.run(args);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(active);
    expect(result.stderr).not.toMatch(active);
    expect(result.stdout).toContain(
      "plain\\u001b[31mRED\\u001b]0;owned\\u0007\\rOVERWRITTEN\\u202eDESREVER",
    );
    expect(result.stdout).not.toMatch(/^forged/m);
  });

  it("gives the exact value back with --json and --raw", async () => {
    const inspected = await cli.run([
      "block",
      "inspect",
      "db-credentials/hostile",
      "--revision",
      "1",
      "--json",
    ]);
    expect(inspected.stdout).not.toMatch(/[\u009b\u202e]/);
    expect(JSON.parse(inspected.stdout).data.user).toBe(hostile);
    expect(await cli.ok(["secret", "get", "hostile", "--reveal", "--raw"])).toBe(hostile);
  });
});
