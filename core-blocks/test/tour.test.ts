import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const home = mkdtempSync(join(tmpdir(), "tessera-tour-"));

afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs the tour from source (tsx), in its own TESSERA_HOME. */
async function runTour(): Promise<string> {
  const environment: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: home };
  delete environment.TESSERA_ENCRYPTION_KEY;
  delete environment.TESSERA_DATABASE_URL;
  delete environment.TESSERA_API_URL;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@tessera/source", "examples/tour.mjs"],
    { cwd: packageRoot, env: environment, timeout: 60_000 },
  );
  return stdout;
}

describe("the tour", () => {
  it("saves, loads in a fresh process, edits and shows history without printing the secret", async () => {
    const first = await runTour();
    expect(first).toContain(`store: sqlite at ${join(home, "tessera.db")}`);
    expect(first).toContain("secret fields: credentials.password");
    expect(first).toContain("loaded tour-warehouse/analytics (revision 1) in process");
    expect(first).toContain("nested block: tour-warehouse-credentials/analytics (revision 1)");
    expect(first).toContain("password: '********'");
    expect(first).toContain("tour-warehouse/analytics is now at revision 2");
    expect(first).toMatch(/revision {3}2 {2}save/);
    expect(first).not.toContain("correct-horse-battery");
    const again = await runTour();
    expect(again).toContain("tour-warehouse/analytics is now at revision 4");
    expect(again).not.toContain("correct-horse-battery");
  });
});
