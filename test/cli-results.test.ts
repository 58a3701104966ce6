import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome } from "./helpers/cli.js";

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
