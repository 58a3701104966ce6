import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorCredentials, freshFolder } from "./helpers/aws-fixtures.js";
import { type CliHome, cliPath, createCliHome } from "./helpers/cli.js";
import { type S3Server, startS3Server } from "./helpers/servers.js";

let cli: CliHome;

beforeAll(async () => {
  cli = await createCliHome();
});

afterAll(async () => {
  await cli.remove();
});

describe("tessera result", () => {
  it("stores a file as a result, shows its record, and writes it back byte for byte", async () => {
    const bytes = randomBytes(3 << 20);
    const input = join(cli.home, "input.bin");
    const output = join(cli.home, "output.bin");
    await writeFile(input, bytes);
    expect(
      await cli.ok(["result", "put", "reports/2024-06", input, "--expires-in", "3600"]),
    ).toContain('Stored 3145728 bytes as "reports/2024-06"');
    const record = JSON.parse(await cli.ok(["result", "info", "reports/2024-06", "--json"]));
    expect(record).toMatchObject({
      key: "reports/2024-06",
      serializer: "binary",
      contentLength: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    expect(Date.parse(record.expiresAt) - Date.parse(record.createdAt)).toBe(3_600_000);
    await cli.ok(["result", "get", "reports/2024-06", "-o", output]);
    expect((await readFile(output)).equals(bytes)).toBe(true);
    expect(await readdir(join(cli.home, "results", "reports"))).toContain("2024-06.meta.json");
  });

  it("reads a result from standard input and writes it to standard output", async () => {
    await cli.ok(["result", "put", "piped", "-", "--compression", "gzip"], {
      input: "hello results\n",
    });
    expect(await cli.ok(["result", "get", "piped"])).toBe("hello results\n");
    expect(JSON.parse(await cli.ok(["result", "info", "piped", "--json"])).compression).toBe(
      "gzip",
    );
  });

  it("deletes a result, and then reports it as not found with a non-zero exit", async () => {
    await cli.ok(["result", "put", "short-lived", "-"], { input: "x" });
    expect(await cli.ok(["result", "delete", "short-lived"])).toContain(
      'Deleted the result "short-lived"',
    );
    const missing = await cli.run(["result", "get", "short-lived"]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("RESULT_NOT_FOUND");
    expect(missing.stderr).not.toContain("    at ");
  });

  it("refuses a key that escapes the result storage", async () => {
    const escaped = await cli.run(["result", "put", "../outside", "-"], { input: "x" });
    expect(escaped.status).not.toBe(0);
    expect(escaped.stderr).toContain("PATH_OUTSIDE_BASE");
  });

  it("uses a saved storage block given with --storage", async () => {
    const folder = join(cli.home, "elsewhere");
    await cli.ok([
      "block",
      "create",
      "local-file-system",
      "elsewhere",
      "--set",
      `basePath=${folder}`,
      "--no-input",
    ]);
    await cli.ok(["result", "put", "k", "-", "--storage", "local-file-system/elsewhere"], {
      input: "v",
    });
    expect(await readdir(folder)).toContain("k.meta.json");
    expect(await cli.ok(["result", "get", "k", "--storage", "local-file-system/elsewhere"])).toBe(
      "v",
    );
  });
});

/** Every file under `folder`, as paths relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

describe("tessera result put: input problems and interruptions", () => {
  it("reports a missing input file as INVALID_INPUT naming it, without a stack trace", async () => {
    const missing = join(cli.home, "no-such-report.parquet");
    const result = await cli.run(["result", "put", "reports/missing", missing]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error INVALID_INPUT");
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toContain("no such file");
    expect(result.stderr).not.toContain("    at ");
  });

  it("removes its temporary file and stores nothing when interrupted with Ctrl-C", async () => {
    const results = join(cli.home, "results");
    const child = spawn(process.execPath, [cliPath, "result", "put", "interrupted/big", "-"], {
      env: cli.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolveExit) => child.on("close", resolveExit));
    // Standard input stays open: the put is mid-write when the interrupt comes. What is still
    // queued for the pipe when the child exits fails with EPIPE; only that error is expected.
    const stdinErrors: NodeJS.ErrnoException[] = [];
    child.stdin.on("error", (error: NodeJS.ErrnoException) => stdinErrors.push(error));
    child.stdin.write(randomBytes(1 << 20));
    const deadline = Date.now() + 30_000;
    while (!(await filesUnder(results)).some((file) => file.endsWith(".tessera-tmp"))) {
      if (Date.now() > deadline) throw new Error(`no temporary file appeared; stderr: ${stderr}`);
      await new Promise((resolvePause) => setTimeout(resolvePause, 50));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    child.stdin.destroy();
    expect(stdinErrors.filter((error) => error.code !== "EPIPE")).toEqual([]);
    expect(stderr).toContain("error INTERRUPTED");
    expect(stderr).toContain("interrupted/big");
    expect((await filesUnder(results)).filter((file) => file.startsWith("interrupted"))).toEqual(
      [],
    );
  });
});

describe("tessera result prune", () => {
  it("lists expired results with --dry-run, then removes them and reports what it removed", async () => {
    const prefix = ["--prefix", "prune-test"];
    await cli.ok(["result", "put", "old/a", "-", "--expires-in", "1", ...prefix], { input: "a" });
    await cli.ok(["result", "put", "old/b", "-", "--expires-in", "1", ...prefix], { input: "bb" });
    await cli.ok(["result", "put", "fresh", "-", "--expires-in", "3600", ...prefix], {
      input: "c",
    });
    await cli.ok(["result", "put", "forever", "-", ...prefix], { input: "d" });
    await new Promise((resolvePause) => setTimeout(resolvePause, 1200));

    const dryRun = await cli.ok(["result", "prune", "--dry-run", ...prefix]);
    expect(dryRun).toContain('Would remove "old/a"');
    expect(dryRun).toContain('Would remove "old/b"');
    expect(dryRun).not.toContain("fresh");
    expect(dryRun).toContain("nothing was removed");
    expect(await cli.ok(["result", "info", "old/a", "--json", ...prefix])).toContain("old/a");

    const pruned = JSON.parse(await cli.ok(["result", "prune", "--json", ...prefix])) as {
      expired: { key: string }[];
    };
    expect(pruned.expired.map((result) => result.key).sort()).toEqual(["old/a", "old/b"]);
    const gone = await cli.run(["result", "info", "old/a", ...prefix]);
    expect(gone.stderr).toContain("RESULT_NOT_FOUND");
    expect(await cli.ok(["result", "get", "fresh", ...prefix])).toBe("c");
    expect(await cli.ok(["result", "get", "forever", ...prefix])).toBe("d");
    expect(await cli.ok(["result", "prune", ...prefix])).toContain("Removed 0 expired results");
  });
});

describe("tessera result with integration storage (s3rver)", () => {
  /** test/, where @tessera/aws is installed for the CLI to import. */
  const testDirectory = fileURLToPath(new URL(".", import.meta.url));
  let server: S3Server;
  let home: CliHome;

  beforeAll(async () => {
    [server, home] = await Promise.all([startS3Server(), createCliHome()]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), home?.remove()]);
  });

  it("stores and reads results in an s3-bucket block given with --storage or TESSERA_RESULT_STORAGE", async () => {
    const run = (args: string[], env: Record<string, string> = {}, input = "") =>
      home.ok(args, { cwd: testDirectory, env, input });
    const { secretAccessKey, ...credentials } = emulatorCredentials(server.endpoint, 1);
    await run(["block", "register", "-m", "@tessera/aws"]);
    await run(
      [
        "block",
        "create",
        "s3-bucket",
        "results",
        "--set",
        "bucketName=tessera-test",
        "--set",
        `bucketFolder=${freshFolder("cli-results")}`,
        "--set",
        `credentials=${JSON.stringify(credentials)}`,
        "--secret-from-env",
        "credentials.secretAccessKey=S3_SECRET",
      ],
      { S3_SECRET: secretAccessKey },
    );
    expect(
      await run(
        ["result", "put", "reports/one", "-", "--storage", "s3-bucket/results"],
        {},
        "hello",
      ),
    ).toContain('Stored 5 bytes as "reports/one"');
    // A fresh process again, with the storage from the environment.
    const fromEnvironment = { TESSERA_RESULT_STORAGE: "s3-bucket/results" };
    await run(["result", "put", "reports/two", "-", "--expires-in", "60"], fromEnvironment);
    expect(await run(["result", "get", "reports/one"], fromEnvironment)).toBe("hello");
    expect(
      JSON.parse(await run(["result", "info", "reports/two", "--json"], fromEnvironment)),
    ).toMatchObject({ key: "reports/two", contentLength: 0 });
    expect(await readdir(join(home.home))).not.toContain("results");
  });
});
