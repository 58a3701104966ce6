import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, writeExampleBlocks } from "./helpers/cli.js";

let cli: CliHome;
const password = "pw-canary-7f3a9c";

beforeAll(async () => {
  cli = await createCliHome();
  const file = await writeExampleBlocks(cli.home);
  await cli.ok(["block", "register", "-f", file]);
});

afterAll(async () => {
  await cli.remove();
});

function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

describe("tessera block, from a fresh process each time", () => {
  it("lists and inspects the registered types with fields, defaults, secrets and checksum", async () => {
    const types = parse<Array<{ type: string; checksum: string; package: null }>>(
      await cli.ok(["block", "type", "ls", "--json"]),
    );
    expect(types.map((type) => type.type)).toEqual(["db-credentials", "warehouse"]);
    expect(types[1]?.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(types[1]?.package).toBeNull();

    const warehouse = parse<{
      schemaVersion: string;
      capabilities: string[];
      secretFields: string[];
      fields: Array<{
        path: string;
        type: string;
        required: boolean;
        default?: unknown;
        secret: boolean;
      }>;
    }>(await cli.ok(["block", "type", "inspect", "warehouse", "--json"]));
    expect(warehouse.schemaVersion).toBe("1.2.0");
    expect(warehouse.capabilities).toEqual(["query"]);
    expect(warehouse.secretFields).toEqual(["credentials.password"]);
    const fields = Object.fromEntries(warehouse.fields.map((field) => [field.path, field]));
    expect(fields.host).toMatchObject({ type: "string", required: true, secret: false });
    expect(fields.port).toMatchObject({ type: "integer", required: false, default: 5432 });
    expect(fields["credentials.password"]).toMatchObject({ secret: true });

    const human = await cli.ok(["block", "type", "inspect", "warehouse"]);
    expect(human).toMatch(/^checksum\s+sha256:/m);
    expect(human).toMatch(/^port\s+integer\s+no\s+5432/m);
  });

  it("refuses to inspect a type nobody registered, saying how to register it", async () => {
    const result = await cli.run(["block", "type", "inspect", "nope"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error UNKNOWN_BLOCK_TYPE: .*tessera block register/);
  });

  it("creates a block from --set with dotted paths and a secret from the environment", async () => {
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "analyst",
        "--set",
        "user=analyst",
        "--secret-from-env",
        "password=DB_PASSWORD",
      ],
      {
        env: { DB_PASSWORD: password },
      },
    );
    const out = await cli.ok([
      "block",
      "create",
      "warehouse",
      "main",
      "--set",
      "host=db.internal",
      "--set",
      "port=6543",
      "--set",
      "options.timeout=10",
      "--link",
      "credentials=db-credentials/analyst",
    ]);
    expect(out).toContain("Saved warehouse/main (revision 1).");

    const shown = parse<{ revision: number; data: Record<string, unknown> }>(
      await cli.ok(["block", "inspect", "warehouse/main", "--json"]),
    );
    expect(shown.revision).toBe(1);
    expect(shown.data).toEqual({
      host: "db.internal",
      port: 6543,
      ssl: true,
      mode: "read",
      credentials: { $ref: "db-credentials/analyst" },
      options: { timeout: 10 },
    });
  });

  it("masks secrets in inspect unless --show-secrets asks for them", async () => {
    const masked = await cli.ok(["block", "inspect", "db-credentials/analyst"]);
    expect(masked).toMatch(/^password\s+\*{8}$/m);
    expect(masked).not.toContain(password);
    const shown = parse<{ data: { password: string } }>(
      await cli.ok(["block", "inspect", "db-credentials/analyst", "--show-secrets", "--json"]),
    );
    expect(shown.data.password).toBe(password);
  });

  it("refuses a secret given with --set, without echoing it", async () => {
    const result = await cli.run([
      "block",
      "create",
      "db-credentials",
      "leaky",
      "--set",
      "user=x",
      "--set",
      "password=hunter2-visible",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_INPUT: Field password is a secret/);
    expect(result.stderr + result.stdout).not.toContain("hunter2-visible");

    const nested = await cli.run([
      "block",
      "create",
      "warehouse",
      "leaky",
      "--set",
      "host=h",
      "--set",
      'credentials={"user":"u","password":"hunter2-visible"}',
    ]);
    expect(nested.status).toBe(1);
    expect(nested.stderr).toMatch(
      /^error INVALID_INPUT: The value given for credentials holds the secret field credentials\.password/,
    );
    expect(nested.stderr + nested.stdout).not.toContain("hunter2-visible");
    expect((await cli.run(["block", "inspect", "warehouse/leaky"])).status).toBe(1);
  });

  it("creates from a YAML file and from JSON on standard input", async () => {
    const yamlFile = join(cli.home, "reporting.yaml");
    await writeFile(
      yamlFile,
      "host: reporting.internal\nmode: write\ncredentials:\n  user: report\n  password: from-yaml-secret\n",
    );
    await cli.ok(["block", "create", "warehouse", "reporting", "--from-file", yamlFile]);
    await cli.ok(["block", "create", "warehouse", "piped", "--from-file", "-"], {
      input: JSON.stringify({
        host: "piped.internal",
        credentials: { user: "p", password: "from-stdin-secret" },
      }),
    });
    const listed = parse<Array<{ slug: string; revision: number }>>(
      await cli.ok(["block", "ls", "--type", "warehouse", "--json"]),
    );
    expect(listed.map((entry) => entry.slug)).toEqual([
      "warehouse/main",
      "warehouse/piped",
      "warehouse/reporting",
    ]);
    const reporting = parse<{ data: { mode: string; credentials: { password: string } } }>(
      await cli.ok(["block", "inspect", "warehouse/reporting", "--json"]),
    );
    expect(reporting.data.mode).toBe("write");
    expect(reporting.data.credentials.password).toBe("********");
  });

  it("reports invalid fields as one line naming each field", async () => {
    const result = await cli.run([
      "block",
      "create",
      "warehouse",
      "broken",
      "--set",
      "host=x",
      "--set",
      "mode=delete",
      "--no-input",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error VALIDATION_FAILED: .*mode/);
    expect(result.stderr).toContain("credentials");
  });

  it("names each required field not given, with the option that gives it, when not prompting", async () => {
    const result = await cli.run(["block", "create", "warehouse", "unfinished", "--no-input"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error VALIDATION_FAILED: Invalid fields for "warehouse/unfinished": not given: host (--set host=<value>); credentials (--link credentials=db-credentials/<name>, or its fields). Give them as shown or with --from-file, or run the command on a terminal to be prompted.\n',
    );
    const secret = await cli.run(
      [
        "block",
        "create",
        "warehouse",
        "unfinished",
        "--set",
        "host=h",
        "--set",
        "credentials.user=u",
      ],
      { input: "" },
    );
    expect(secret.stderr).toContain(
      "not given: credentials.password (--secret-from-env credentials.password=<VARIABLE> or --secret-ref credentials.password=<reference>)",
    );
  });

  it("refuses to create over an existing block", async () => {
    const result = await cli.run([
      "block",
      "create",
      "warehouse",
      "main",
      "--set",
      "host=x",
      "--link",
      "credentials=db-credentials/analyst",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error BLOCK_EXISTS: .*warehouse\/main.*--overwrite/);
  });

  it("edits fields, keeps what was not changed, and records each save in the history", async () => {
    await cli.ok([
      "block",
      "edit",
      "warehouse/main",
      "--set",
      "ssl=false",
      "--set",
      "options.schema=public",
    ]);
    const shown = parse<{ revision: number; data: Record<string, unknown> }>(
      await cli.ok(["block", "inspect", "warehouse/main", "--json"]),
    );
    expect(shown.revision).toBe(2);
    expect(shown.data).toMatchObject({
      host: "db.internal",
      port: 6543,
      ssl: false,
      credentials: { $ref: "db-credentials/analyst" },
      options: { timeout: 10, schema: "public" },
    });
    const history = parse<Array<{ revision: number; operation: string }>>(
      await cli.ok(["block", "history", "warehouse/main", "--json"]),
    );
    expect(history.map((entry) => entry.revision)).toEqual([2, 1]);
  });

  it("refuses to edit a nested block that is saved on its own, pointing at its slug", async () => {
    const result = await cli.run([
      "block",
      "edit",
      "warehouse/main",
      "--set",
      "credentials.user=someone",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/tessera block edit db-credentials\/analyst/);
  });

  it("lets exactly one of several concurrent edits win each revision (compare-and-swap)", async () => {
    const before = parse<{ revision: number }>(
      await cli.ok(["block", "inspect", "warehouse/main", "--json"]),
    );
    const results = await Promise.all(
      [1, 2, 3, 4].map((index) =>
        cli.run(["block", "edit", "warehouse/main", "--set", `options.timeout=${index * 100}`]),
      ),
    );
    for (const result of results) {
      if (result.status !== 0) expect(result.stderr).toMatch(/^error REVISION_CONFLICT: /);
    }
    const wins = results.filter((result) => result.status === 0).length;
    expect(wins).toBeGreaterThanOrEqual(1);
    const after = parse<{ revision: number }>(
      await cli.ok(["block", "inspect", "warehouse/main", "--json"]),
    );
    expect(after.revision).toBe(before.revision + wins);
  });

  it("says whether a secret changed between revisions, never its value", async () => {
    await cli.ok(["block", "edit", "db-credentials/analyst", "--set", "user=analyst2"]);
    await cli.ok(
      ["block", "edit", "db-credentials/analyst", "--secret-from-env", "password=NEXT"],
      {
        env: { NEXT: "pw-canary-next-91b2" },
      },
    );
    const unchanged = parse<{ changes: Array<{ path: string; kind: string; secret: boolean }> }>(
      await cli.ok(["block", "diff", "db-credentials/analyst", "1", "2", "--json"]),
    );
    expect(unchanged.changes).toEqual(
      expect.arrayContaining([
        { path: "user", kind: "changed", secret: false, before: "analyst", after: "analyst2" },
        { path: "password", kind: "unchanged", secret: true },
      ]),
    );
    const text = await cli.ok(["block", "diff", "db-credentials/analyst", "2", "3"]);
    expect(text).toMatch(/password: secret changed/);
    expect(text).not.toContain(password);
    expect(text).not.toContain("pw-canary-next-91b2");
  });

  it("rolls back to an earlier revision as a new revision", async () => {
    const out = await cli.ok(["block", "rollback", "db-credentials/analyst", "1"]);
    expect(out).toContain("saved as revision 4");
    const shown = parse<{ revision: number; data: { user: string; password: string } }>(
      await cli.ok(["block", "inspect", "db-credentials/analyst", "--show-secrets", "--json"]),
    );
    expect(shown).toMatchObject({ revision: 4, data: { user: "analyst", password } });
    const older = parse<{ data: { user: string } }>(
      await cli.ok(["block", "inspect", "db-credentials/analyst", "--revision", "2", "--json"]),
    );
    expect(older.data.user).toBe("analyst2");
    const history = await cli.ok(["block", "history", "db-credentials/analyst"]);
    expect(history).toMatch(/^4\s+rollback to 1/m);
  });

  it("refuses to delete a block others reference unless forced", async () => {
    const refused = await cli.run(["block", "delete", "db-credentials/analyst"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error BLOCK_REFERENCED: .*warehouse\/main.*--force/);
    await cli.ok(["block", "delete", "warehouse/piped"]);
    const gone = await cli.run(["block", "inspect", "warehouse/piped"]);
    expect(gone.stderr).toMatch(/^error BLOCK_NOT_FOUND: /);
  });

  it("renames a block, keeping its history and the blocks that reference it", async () => {
    await cli.ok(["block", "rename", "db-credentials/analyst", "analytics"]);
    const moved = JSON.parse(
      await cli.ok(["block", "history", "db-credentials/analytics", "--json"]),
    );
    expect(moved[0].operation).toBe("rename");
    const warehouse = JSON.parse(await cli.ok(["block", "inspect", "warehouse/main", "--json"]));
    expect(warehouse.data.credentials).toEqual({ $ref: "db-credentials/analytics" });
    const invalid = await cli.run(["block", "rename", "db-credentials/analytics", "Not-Valid!"]);
    expect(invalid.stderr).toMatch(/^error INVALID_SLUG: /);
  });

  it("deletes a referenced block with --force, leaving the referrer pointing at nothing", async () => {
    const { id } = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/analytics", "--json"]),
    );
    await cli.ok(["block", "delete", "db-credentials/analytics", "--force"]);
    const warehouse = JSON.parse(await cli.ok(["block", "inspect", "warehouse/main", "--json"]));
    expect(warehouse.data.credentials).toEqual({ $missing: id });
    const edited = await cli.run(["block", "edit", "warehouse/main", "--set", "host=h2"]);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toContain("--link");
    expect(edited.stderr).not.toContain("Save the nested block again");
  });

  it("suggests a recorded block type for a mistyped one in UNKNOWN_BLOCK_TYPE", async () => {
    const result = await cli.run(["block", "type", "inspect", "warehuose"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error UNKNOWN_BLOCK_TYPE: .*Did you mean "warehouse"\?/);
    const create = await cli.run(["block", "create", "db-credentails", "x", "--no-input"]);
    expect(create.stderr).toMatch(/^error UNKNOWN_BLOCK_TYPE: .*Did you mean "db-credentials"\?/);
  });

  it("words BLOCK_EXISTS in command-line terms, not library options", async () => {
    const result = await cli.run(["block", "rename", "warehouse/main", "reporting"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error BLOCK_EXISTS: /);
    expect(result.stderr).toContain("--overwrite");
    expect(result.stderr).not.toContain("{ overwrite: true }");
    expect(result.stderr).not.toContain("expectedRevision");
  });

  it("shows who wrote each revision in the history: TESSERA_ACTOR, or the operating-system user", async () => {
    const as = (actor: string) => ({ env: { TESSERA_ACTOR: actor, AUDIT_PASSWORD: password } });
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "audited",
        "--set",
        "user=first",
        "--secret-from-env",
        "password=AUDIT_PASSWORD",
      ],
      as("user:alice"),
    );
    await cli.ok(["block", "edit", "db-credentials/audited", "--set", "user=second"], as("ci:bot"));
    await cli.ok(["block", "rollback", "db-credentials/audited", "1"], as("user:carol"));
    const history = parse<Array<{ revision: number; operation: string; actor: string | null }>>(
      await cli.ok(["block", "history", "db-credentials/audited", "--json"]),
    );
    expect(history.map((entry) => [entry.revision, entry.operation, entry.actor])).toEqual([
      [3, "rollback", "user:carol"],
      [2, "save", "ci:bot"],
      [1, "save", "user:alice"],
    ]);
    const inspected = parse<{ revision: number; actor: string }>(
      await cli.ok(["block", "inspect", "db-credentials/audited", "--revision", "2", "--json"]),
    );
    expect(inspected).toMatchObject({ revision: 2, actor: "ci:bot" });
    const table = await cli.ok(["block", "history", "db-credentials/audited"]);
    expect(table).toMatch(/^REVISION\s+OPERATION\s+SCHEMA\s+SAVED\s+ACTOR$/m);
    expect(table).toMatch(/^3\s+rollback to 1\s+.*user:carol$/m);
    expect(table).toMatch(/^1\s+save\s+.*user:alice$/m);
    // Without TESSERA_ACTOR, the operating-system user.
    await cli.ok(["block", "rollback", "db-credentials/audited", "2"]);
    const [newest] = parse<Array<{ actor: string | null }>>(
      await cli.ok(["block", "history", "db-credentials/audited", "--json"]),
    );
    expect(newest?.actor).toBe(`user:${userInfo().username}`);
  });

  it("suggests close matches for a mistyped slug", async () => {
    const result = await cli.run(["block", "inspect", "warehouse/mian"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Did you mean "warehouse/main"?');
  });
});
