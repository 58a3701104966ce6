import { statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHome, cliPath, createCliHome, runProcess } from "./helpers/cli.js";

let cli: CliHome;

beforeEach(async () => {
  cli = await createCliHome();
});

afterEach(async () => {
  await cli.remove();
});

/** Runs `tessera <args>` under umask 000 with TESSERA_HOME at `home`. */
function runUnderOpenUmask(home: string, args: string[]) {
  return runProcess(
    "/bin/sh",
    ["-c", 'umask 000; exec "$0" "$@"', process.execPath, cliPath, ...args],
    { env: { ...cli.env, TESSERA_HOME: home } },
  );
}

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

describe("TESSERA_HOME on disk", () => {
  it.each([
    ["block ls", ["block", "ls"]],
    ["key status", ["key", "status"]],
    ["result put", ["result", "put", "greeting", "INPUT"]],
  ])("is created 0700 by %s, also under umask 000", async (_, args) => {
    const input = join(cli.home, "input.txt");
    await writeFile(input, "hello");
    const home = join(cli.home, "fresh", "tessera");
    const result = await runUnderOpenUmask(
      home,
      args.map((argument) => (argument === "INPUT" ? input : argument)),
    );
    expect(result.status, result.stderr).toBe(0);
    expect(modeOf(home)).toBe("700");
    expect(modeOf(join(cli.home, "fresh"))).toBe("700");
  });
});
