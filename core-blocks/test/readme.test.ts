import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const repositoryRoot = resolve(packageRoot, "..");
const scratch = mkdtempSync(join(tmpdir(), "tessera-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The reason given in a `<!-- readme-test: not run — … -->` line just above the fence. */
  notRun?: string;
}

/** The README's TypeScript blocks, in order. */
function typescriptBlocks(readme: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = readme.split("\n");
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== "```ts") continue;
    const end = lines.indexOf("```", index + 1);
    const marker = /^<!-- readme-test: not run — (.+) -->$/.exec(lines[index - 1] ?? "");
    blocks.push({
      line: index + 1,
      code: lines.slice(index + 1, end).join("\n"),
      ...(marker?.[1] ? { notRun: marker[1] } : {}),
    });
    index = end;
  }
  return blocks;
}

/**
 * Runs a README block as a user's module would run: its own file in a project of its own where
 * `@tessera/core` is installed (linked to this package, read from source), TypeScript through
 * tsx, a fresh TESSERA_HOME shared by the runs of one test.
 */
async function runAsUserModule(code: string, home: string, environment: NodeJS.ProcessEnv = {}) {
  const project = mkdtempSync(join(scratch, "project-"));
  mkdirSync(join(project, "node_modules", "@tessera"), { recursive: true });
  symlinkSync(packageRoot, join(project, "node_modules", "@tessera", "core"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(project, "example.ts"), code);
  const tsx = import.meta.resolve("tsx");
  const childEnvironment: NodeJS.ProcessEnv = {
    ...process.env,
    ...environment,
    NODE_OPTIONS: "",
    TESSERA_HOME: home,
  };
  delete childEnvironment.TESSERA_ENCRYPTION_KEY;
  return run(
    process.execPath,
    ["--conditions=@tessera/source", "--import", tsx, join(project, "example.ts")],
    { cwd: project, env: childEnvironment, timeout: 60_000 },
  );
}

describe("the @tessera/core README", () => {
  const readme = readFileSync(join(packageRoot, "README.md"), "utf8");
  const blocks = typescriptBlocks(readme);

  it("has runnable examples, and says why of each one it does not run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const notRun = blocks.filter((block) => block.notRun !== undefined);
    expect(notRun.length).toBeLessThanOrEqual(3);
  });

  it("defines no block type on a provider package's slug", () => {
    const providerTypes =
      /type: "(aws-credentials|s3-bucket|aws-secret|gcp-credentials|gcs-bucket|azure-blob-storage-\w+|slack-\w+|snowflake-\w+)"/;
    for (const block of blocks) expect(block.code).not.toMatch(providerTypes);
  });

  it("links only to its own headings or to absolute addresses, since npm shows it without the repository", () => {
    const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)]
      .map((match) => match[1] ?? "")
      .filter((target) => !target.startsWith("#") && !/^https?:\/\//.test(target));
    expect(relative).toEqual([]);
  });

  for (const block of typescriptBlocks(readFileSync(join(packageRoot, "README.md"), "utf8"))) {
    if (block.notRun !== undefined) continue;
    it(`runs the example at README.md line ${block.line}, twice in one home`, async () => {
      const home = mkdtempSync(join(scratch, "home-"));
      await runAsUserModule(block.code, home);
      await runAsUserModule(block.code, home);
    }, 120_000);
  }
});

describe("the repository README", () => {
  it("runs its sixty-second example twice, printing the block with its password masked", async () => {
    const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");
    const [example] = typescriptBlocks(readme);
    expect(example?.code).toContain("defineBlock");
    const home = mkdtempSync(join(scratch, "home-"));
    const password = "tr0ub4dor&3-readme";
    for (let round = 0; round < 2; round++) {
      const { stdout } = await runAsUserModule(example?.code ?? "", home, { PW: password });
      expect(stdout).toContain("********");
      expect(stdout).toContain("db.internal");
      expect(stdout).not.toContain(password);
    }
  }, 120_000);
});
