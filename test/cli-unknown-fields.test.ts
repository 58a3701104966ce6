import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, writeExampleBlocks } from "./helpers/cli.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
  await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
  await cli.ok(
    [
      "block",
      "create",
      "db-credentials",
      "main",
      "--set",
      "user=reader",
      "--secret-from-env",
      "password=PASSWORD",
    ],
    { env: { PASSWORD: "unknown-fields-canary" } },
  );
  await cli.ok([
    "block",
    "create",
    "warehouse",
    "wh",
    "--set",
    "host=db.internal",
    "--link",
    "credentials=db-credentials/main",
  ]);
}, 60_000);

afterAll(async () => {
  await cli.remove();
});

describe("fields the block type does not have", () => {
  it("refuses --set of a misspelt field with VALIDATION_FAILED naming the closest, and saves nothing", async () => {
    const result = await cli.run(["block", "edit", "warehouse/wh", "--set", "prot=6543"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("VALIDATION_FAILED");
    expect(result.stderr).toContain("prot");
    expect(result.stderr).toContain('did you mean "port"');
    expect(result.stdout).not.toContain("changed");
    const inspected = JSON.parse(await cli.ok(["block", "inspect", "warehouse/wh", "--json"])) as {
      revision: number;
    };
    expect(inspected.revision).toBe(1);
  });

  it("refuses a --from-file key the block type does not have, naming it and the closest field", async () => {
    const file = join(cli.home, "typo.json");
    await writeFile(
      file,
      JSON.stringify({ host: "h", prot: 1, credentials: { user: "u", password: "p" } }),
    );
    const result = await cli.run(["block", "create", "warehouse", "typo", "--from-file", file]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("VALIDATION_FAILED");
    expect(result.stderr).toContain(
      'prot: is not a field of this block type; did you mean "port"?',
    );
    expect(result.stderr).not.toContain("unknown-fields-canary");
  });
});
