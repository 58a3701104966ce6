import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const home = mkdtempSync(join(tmpdir(), "tessera-tour-"));

beforeAll(async () => {
  // `npm test` builds first; build here only when the package was never built.
  if (
    !existsSync(join(packageRoot, "dist/index.js")) ||
    !existsSync(join(packageRoot, "dist/cli/bin.js"))
  ) {
    await run("npx", ["tsdown"], { cwd: packageRoot, timeout: 180_000 });
  }
}, 200_000);

afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs the tour as `npm run tour` does (on the built package), in its own TESSERA_HOME. */
async function runTour(): Promise<string> {
  const environment: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: home, NO_COLOR: "1" };
  delete environment.TESSERA_ENCRYPTION_KEY;
  delete environment.TESSERA_DATABASE_URL;
  delete environment.TESSERA_API_URL;
  const { stdout } = await run(process.execPath, ["examples/tour.mjs"], {
    cwd: packageRoot,
    env: environment,
    timeout: 120_000,
  });
  return stdout;
}

describe("the tour", () => {
  it("checks the installed provider package, saves and loads blocks, and reads a persisted result back in another process", async () => {
    const first = await runTour();
    expect(first).toContain(`TESSERA_HOME=${home}`);
    // Part 1: the workspace's @tessera/aws is found, compatible, and its types registered.
    expect(first).toMatch(/@tessera\/aws\s+\d+\.\d+\.\d+\s+\S+.*\s+yes\s/);
    expect(first).toMatch(/s3-bucket\s+S3 bucket/);
    // Part 3: one process computes, another reads the stored result without running it.
    const computed = /process (\d+) ran daily-report\(2024-06-01\) and stored its result/.exec(
      first,
    );
    expect(computed).not.toBeNull();
    expect(first).toMatch(
      /process \d+ read the stored result of daily-report\(2024-06-01\) without running it/,
    );
    expect(first).toContain(`"computedBy":${computed?.[1]}`);
    expect(first).toContain("credentials.password");
    expect(first).toContain("loaded tour-warehouse/analytics (revision 1) in process");
    expect(first).toContain("nested block: tour-warehouse-credentials/analytics (revision 1)");
    expect(first).toContain("********");
    expect(first).toContain("the password decrypts in this process");
    expect(first).toMatch(/revision 2\b/);
    expect(first).toContain("Done.");
    expect(first).not.toContain("correct-horse-battery");
    expect(existsSync(join(home, "tessera.db"))).toBe(true);
    const again = await runTour();
    expect(again).toContain("Done.");
    expect(again).toMatch(/revision 4\b/);
    expect(again).not.toContain("correct-horse-battery");
  }, 240_000);
});
