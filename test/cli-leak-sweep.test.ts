import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliHome,
  type CliResult,
  coreModuleUrl,
  createCliHome,
  writeExampleBlocks,
} from "./helpers/cli.js";

let cli: CliHome;
const canary = `leak-canary-${randomBytes(6).toString("hex")}`;
const nextCanary = `leak-canary-${randomBytes(6).toString("hex")}`;

/**
 * Every printable form of a secret: text (also lower- and upper-cased), JSON, URL, hex, and base64
 * at each byte alignment.
 */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const found = new Set([
    secret,
    secret.toLowerCase(),
    secret.toUpperCase(),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
  ]);
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    for (const encoding of ["base64", "base64url"] as const) {
      const text = padded.toString(encoding);
      // Drop the characters that mix in the padding bytes and the possibly partial last group.
      found.add(text.slice(Math.ceil((offset * 4) / 3), text.length - 4));
    }
  }
  return [...found];
}

const sweeps: Array<{ command: string; result: CliResult }> = [];

async function sweep(
  args: string[],
  options: Parameters<CliHome["run"]>[1] = {},
): Promise<CliResult> {
  const result = await cli.run(args, options);
  sweeps.push({ command: args.join(" "), result });
  if (result.status !== 0) {
    // A failure printed with TESSERA_DEBUG=1 adds its stack: that must not leak either.
    const debug = await cli.run(args, { ...options, env: { ...options.env, TESSERA_DEBUG: "1" } });
    sweeps.push({ command: `TESSERA_DEBUG=1 ${args.join(" ")}`, result: debug });
  }
  return result;
}

beforeAll(async () => {
  cli = await createCliHome();
  await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
  const env = { CANARY: canary, NEXT_CANARY: nextCanary };
  const secretFile = join(cli.home, "with-secret.yaml");
  await writeFile(secretFile, `user: from-file\npassword: ${canary}\n`);
  const invalidFile = join(cli.home, "invalid.json");
  await writeFile(
    invalidFile,
    JSON.stringify({ host: 5, port: "x", credentials: { user: 1, password: canary } }),
  );

  await cli.ok(["secret", "set", "canary", "--stdin"], { input: canary });
  // A secret source that signs its upstream call with secret/canary, and whose upstream error
  // echoes it: in the HTTP Basic header (base64 of "svc:" + secret: not at a 3-byte boundary),
  // in a query string, upper-cased and as upper-case hex.
  const leakyModule = join(cli.home, "leaky-source.mjs");
  await writeFile(
    leakyModule,
    `import { Secret, defineBlock, z } from ${JSON.stringify(coreModuleUrl)};

export class LeakySource extends defineBlock({
  type: "leaky-source",
  title: "Leaky source",
  version: "1.0.0",
  capabilities: ["secret-source"],
  schema: z.object({ label: z.string() }),
}) {
  async readSecret() {
    const password = await (await Secret.load("canary")).get();
    const basic = Buffer.from("svc:" + password).toString("base64");
    const query = new URLSearchParams({ user: "svc", password: password + " x" }).toString();
    throw new Error("upstream said 401 for Authorization: Basic " + basic + " at /login?" + query + " key " + password.toUpperCase() + " hex " + Buffer.from(password).toString("hex").toUpperCase());
  }
}
`,
  );
  await cli.ok(["block", "register", "-f", leakyModule]);
  // The command line imports only what the project's configuration lists.
  await writeFile(
    join(cli.home, "tessera.config.json"),
    JSON.stringify({ modules: ["./blocks.mjs", "./leaky-source.mjs"] }),
  );
  await cli.ok(["block", "create", "leaky-source", "upstream", "--set", "label=x"]);
  await cli.ok([
    "block",
    "create",
    "db-credentials",
    "via-leaky-source",
    "--set",
    "user=l",
    "--secret-ref",
    "password=leaky-source/upstream",
  ]);
  await cli.ok(
    [
      "block",
      "create",
      "db-credentials",
      "leak",
      "--set",
      "user=u",
      "--secret-from-env",
      "password=CANARY",
    ],
    { env },
  );
  await cli.ok(["block", "create", "db-credentials", "from-file", "--from-file", secretFile]);
  await cli.ok([
    "block",
    "create",
    "db-credentials",
    "by-reference",
    "--set",
    "user=r",
    "--secret-ref",
    "password=secret/canary",
  ]);
  await cli.ok([
    "block",
    "create",
    "warehouse",
    "leak",
    "--set",
    "host=h",
    "--link",
    "credentials=db-credentials/leak",
  ]);
  await cli.ok(
    ["block", "edit", "db-credentials/leak", "--secret-from-env", "password=NEXT_CANARY"],
    { env },
  );
});

afterAll(async () => {
  await cli.remove();
});

/** Every sweep so far that printed a form of either canary. */
function leaks(): string[] {
  const patterns = [...forms(canary), ...forms(nextCanary)];
  return sweeps.flatMap(({ command, result }) =>
    patterns
      .filter((pattern) => result.stdout.includes(pattern) || result.stderr.includes(pattern))
      .map((pattern) => `${command} printed ${pattern}`),
  );
}

describe("leak sweep: a canary secret never appears in any command's output", () => {
  it("catches the canary inside encoded text, whatever its alignment", () => {
    for (const prefix of ["", "x", "xy"]) {
      const encoded = Buffer.from(`{"password":"${prefix}${canary}"}`).toString("base64");
      expect(forms(canary).some((pattern) => encoded.includes(pattern))).toBe(true);
    }
  });

  it("finds no form of the canary in what listing and inspecting commands print", async () => {
    for (const json of [[], ["--json"]]) {
      await sweep(["block", "ls", ...json]);
      await sweep(["block", "type", "ls", ...json]);
      await sweep(["block", "type", "inspect", "db-credentials", ...json]);
      await sweep(["block", "inspect", "db-credentials/leak", ...json]);
      await sweep(["block", "inspect", "db-credentials/leak", "--revision", "1", ...json]);
      await sweep(["block", "inspect", "db-credentials/from-file", ...json]);
      await sweep(["block", "inspect", "warehouse/leak", ...json]);
      await sweep(["block", "inspect", "secret/canary", ...json]);
      await sweep(["block", "inspect", "db-credentials/by-reference", ...json]);
      await sweep(["block", "inspect", "db-credentials/leak", "--keep-markers", ...json]);
      await sweep(["block", "history", "db-credentials/leak", ...json]);
      await sweep(["block", "diff", "db-credentials/leak", "1", "2", ...json]);
      await sweep(["secret", "get", "canary", ...json]);
      await sweep(["key", "status", ...json]);
      await sweep(["integrations", ...json]);
    }
    await sweep(["--help"]);
    expect(sweeps.length).toBeGreaterThan(25);
    expect(leaks()).toEqual([]);
  });

  it("finds no form of the canary in the errors of commands given the canary, with and without TESSERA_DEBUG", async () => {
    const env = { CANARY: canary };
    const invalidFile = join(cli.home, "invalid.json");
    const brokenJson = join(cli.home, "broken.json");
    await writeFile(brokenJson, `{"user": "x", "password": "${canary}" oops}`);
    const brokenJsonToken = join(cli.home, "broken-token.json");
    await writeFile(brokenJsonToken, `{"password": ${canary}}`);
    const brokenYaml = join(cli.home, "broken.yaml");
    await writeFile(brokenYaml, `password: ${canary}\n  user: [x\n`);
    const before = sweeps.length;
    await sweep(["block", "create", "db-credentials", "refused", "--from-file", brokenJson]);
    await sweep(["block", "create", "db-credentials", "refused", "--from-file", brokenJsonToken]);
    await sweep(["block", "create", "db-credentials", "refused", "--from-file", brokenYaml]);
    await sweep([
      "block",
      "create",
      "db-credentials",
      "refused",
      "--set",
      "user=x",
      "--set",
      `password=${canary}`,
    ]);
    await sweep(["block", "create", "db-credentials", "refused", "--from-file", invalidFile]);
    await sweep(["block", "create", "warehouse", "refused", "--from-file", invalidFile]);
    await sweep(
      [
        "block",
        "create",
        "db-credentials",
        "leak",
        "--set",
        "user=x",
        "--secret-from-env",
        "password=CANARY",
      ],
      { env },
    );
    await sweep(["block", "edit", "db-credentials/leak", "--set", `password=${canary}`]);
    await sweep(["block", "edit", "db-credentials/leak", "--secret-ref", `password=${canary}`]);
    // The secret typed where a variable name belongs.
    await sweep([
      "block",
      "edit",
      "db-credentials/leak",
      "--secret-from-env",
      `password=${canary}`,
    ]);
    await sweep(["secret", "set", "canary", "--from-env", canary]);
    await sweep([
      "block",
      "create",
      "warehouse",
      "refused",
      "--set",
      "host=h",
      "--set",
      `credentials=${JSON.stringify({ user: "u", password: canary })}`,
    ]);
    await sweep(["block", "edit", "db-credentials/leak", "--set", `nope.deeper=${canary}`]);
    await sweep(["secret", "set", "canary", canary]);
    await sweep(["block", "inspect", "db-credentials/leak", "--show-secrets"], {
      env: { TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64") },
    });
    const upstream = await sweep([
      "block",
      "inspect",
      "db-credentials/via-leaky-source",
      "--show-secrets",
    ]);
    expect(upstream.stderr).toContain("Authorization: Basic ");
    await sweep([
      "block",
      "inspect",
      "db-credentials/via-leaky-source",
      "--show-secrets",
      "--json",
    ]);
    const failures = sweeps.slice(before).filter(({ result }) => result.status !== 0);
    expect(failures.length).toBeGreaterThanOrEqual(20);
    expect(leaks()).toEqual([]);
  });

  it("finds no form of the canary in what writing commands print", async () => {
    await sweep(["block", "register", "-f", join(cli.home, "blocks.mjs")]);
    await sweep(
      [
        "block",
        "create",
        "db-credentials",
        "swept",
        "--set",
        "user=s",
        "--secret-from-env",
        "password=CANARY",
        "--json",
      ],
      { env: { CANARY: canary } },
    );
    await sweep(
      ["block", "edit", "db-credentials/swept", "--secret-from-env", "password=CANARY", "--json"],
      {
        env: { CANARY: nextCanary },
      },
    );
    await sweep(["block", "rename", "db-credentials/swept", "swept-again", "--json"]);
    await sweep(["block", "edit", "db-credentials/leak", "--set", "user=edited"]);
    await sweep(["secret", "set", "other", "--stdin"], { input: canary });
    await sweep(["block", "rollback", "db-credentials/leak", "1"]);
    await sweep(["block", "delete", "db-credentials/leak"]);
    await sweep(["key", "rotate"]);
    expect(leaks()).toEqual([]);
  });

  it("finds no form of the canary when inspect output is written back with --from-file", async () => {
    const env = { CANARY: canary };
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "written-back",
        "--set",
        "user=w",
        "--secret-from-env",
        "password=CANARY",
      ],
      { env },
    );
    const inspected = await sweep(["block", "inspect", "db-credentials/written-back", "--json"]);
    const document = JSON.parse(inspected.stdout) as {
      revision: number;
      data: Record<string, unknown>;
    };
    const masked = join(cli.home, "written-back-masked.json");
    await writeFile(masked, inspected.stdout);
    const kept = join(cli.home, "written-back-kept.json");
    await writeFile(
      kept,
      JSON.stringify({ ...document, data: { ...document.data, password: { $keep: true } } }),
    );
    const invalid = join(cli.home, "written-back-invalid.json");
    await writeFile(
      invalid,
      JSON.stringify({ ...document, data: { user: 7, password: canary, extra: canary } }),
    );
    const before = sweeps.length;
    await sweep(["block", "edit", "db-credentials/written-back", "--from-file", masked]);
    await sweep(["block", "create", "db-credentials", "written-back", "--from-file", masked]);
    await sweep(["block", "edit", "db-credentials/written-back", "--from-file", invalid]);
    await sweep(["block", "edit", "db-credentials/written-back", "--from-file", "-"], {
      input: JSON.stringify({ user: "w", password: canary, port: "not-a-field" }),
    });
    await sweep(["block", "edit", "db-credentials/written-back", "--from-file", kept, "--json"]);
    // The file's revision is stale now: refused, and the refusal must not leak either.
    await sweep(["block", "edit", "db-credentials/written-back", "--from-file", kept]);
    await sweep([
      "block",
      "create",
      "db-credentials",
      "written-back",
      "--from-file",
      kept,
      "--overwrite",
    ]);
    await sweep(["block", "inspect", "db-credentials/written-back", "--json"]);
    await sweep(["block", "diff", "db-credentials/written-back", "1", "2", "--json"]);
    const failures = sweeps.slice(before).filter(({ result }) => result.status !== 0);
    expect(failures.length).toBeGreaterThanOrEqual(12);
    expect(leaks()).toEqual([]);
    const shown = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/written-back", "--show-secrets", "--json"]),
    );
    expect(shown).toMatchObject({ revision: 2, data: { user: "w", password: canary } });
  });

  it("prints the canary only where it was asked for on purpose", async () => {
    expect(await cli.ok(["secret", "get", "canary", "--reveal"])).toBe(`${canary}\n`);
    const shown = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/from-file", "--show-secrets", "--json"]),
    );
    expect(shown.data.password).toBe(canary);
    const resolved = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/by-reference", "--show-secrets", "--json"]),
    );
    expect(resolved.references).toEqual([
      { path: "password", reference: "secret/canary", value: canary },
    ]);
  });
});
