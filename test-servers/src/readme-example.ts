import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What the opening of a package's README shows a user. */
export interface ReadmeOpening {
  /** The languages of its first two fenced code blocks (`["sh", "ts"]`: install, then use). */
  firstBlockLanguages: string[];
  /** The first `sh` block's text, trimmed: the install command. */
  installCommand: string | undefined;
  /** The first `ts` block: the example a user copies first. */
  firstExample: string;
}

/** Reads a README and what its opening shows. Throws when it has no TypeScript example. */
export async function readReadmeOpening(readmePath: string): Promise<ReadmeOpening> {
  const readme = await readFile(readmePath, "utf8");
  const firstBlockLanguages = [...readme.matchAll(/```(\w+)\n/g)]
    .slice(0, 2)
    .map((match) => match[1] ?? "");
  const firstExample = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (firstExample === undefined) throw new Error(`${readmePath} has no ts example`);
  return {
    firstBlockLanguages,
    installCommand: /```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim(),
    firstExample,
  };
}

/**
 * Runs an example as a user runs it: TypeScript in a new Node.js process (through tsx, resolving
 * the workspace packages to their sources), in an empty Tessera home with its own encryption key,
 * from `cwd`. Resolves with what it printed; rejects with its output when it fails.
 */
export async function runExample(
  code: string,
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ stdout: string; stderr: string }> {
  const home = await mkdtemp(join(tmpdir(), "tessera-example-"));
  try {
    return await run(
      process.execPath,
      ["--conditions=@tessera/source", "--import", "tsx", "--input-type=module", "--eval", code],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          TESSERA_HOME: home,
          TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          ...options.env,
        },
      },
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
