import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, createCliHome, writeExampleBlocks } from "./helpers/cli.js";

let cli: CliHome;
const password = "round-trip-canary-41c7";

interface InspectDocument {
  slug: string;
  revision: number;
  data: Record<string, unknown>;
}

beforeAll(async () => {
  cli = await createCliHome();
  await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
});

afterAll(async () => {
  await cli.remove();
});

async function inspect(slug: string, ...flags: string[]): Promise<InspectDocument> {
  return JSON.parse(
    await cli.ok(["block", "inspect", slug, "--json", ...flags]),
  ) as InspectDocument;
}

async function createCredentials(name: string): Promise<void> {
  await cli.ok(
    [
      "block",
      "create",
      "db-credentials",
      name,
      "--set",
      "user=reader",
      "--secret-from-env",
      "password=PASSWORD",
    ],
    { env: { PASSWORD: password } },
  );
}

/** Writes `document` (inspect output, possibly edited) to a file in the home; returns its path. */
async function writeDocument(fileName: string, document: unknown): Promise<string> {
  const path = join(cli.home, fileName);
  await writeFile(path, JSON.stringify(document, null, 2));
  return path;
}

describe("writing tessera block inspect --json output back", () => {
  it("keeps the stored secret where the file says { $keep: true }", async () => {
    await createCredentials("keep");
    const document = await inspect("db-credentials/keep");
    expect(document.data).toEqual({ user: "reader", password: "********" });
    document.data.user = "writer";
    document.data.password = { $keep: true };
    const file = await writeDocument("keep.json", document);

    const out = await cli.ok(["block", "edit", "db-credentials/keep", "--from-file", file]);
    expect(out).toContain("Saved db-credentials/keep as revision 2 (was 1)");
    const shown = await inspect("db-credentials/keep", "--show-secrets");
    expect(shown).toMatchObject({ revision: 2, data: { user: "writer", password } });

    // block create --overwrite --from-file reads the same document the same way.
    const again = await inspect("db-credentials/keep", "--keep-markers");
    again.data.user = "overwriter";
    await cli.ok([
      "block",
      "create",
      "db-credentials",
      "keep",
      "--overwrite",
      "--from-file",
      await writeDocument("keep-again.json", again),
    ]);
    expect(await inspect("db-credentials/keep", "--show-secrets")).toMatchObject({
      revision: 3,
      data: { user: "overwriter", password },
    });
  });

  it("keeps a secret inside a nested block and the link to a saved block", async () => {
    await createCredentials("linked");
    await cli.ok(
      [
        "block",
        "create",
        "warehouse",
        "round-trip",
        "--set",
        "host=db.internal",
        "--set",
        "credentials.user=embedded",
        "--secret-from-env",
        "credentials.password=PASSWORD",
      ],
      { env: { PASSWORD: password } },
    );
    await cli.ok([
      "block",
      "create",
      "warehouse",
      "linked",
      "--set",
      "host=db.internal",
      "--link",
      "credentials=db-credentials/linked",
    ]);
    const embedded = await inspect("warehouse/round-trip");
    (embedded.data.credentials as Record<string, unknown>).password = { $keep: true };
    embedded.data.port = 6543;
    await cli.ok([
      "block",
      "edit",
      "warehouse/round-trip",
      "--from-file",
      await writeDocument("embedded.json", embedded),
    ]);
    expect((await inspect("warehouse/round-trip", "--show-secrets")).data).toMatchObject({
      port: 6543,
      credentials: { user: "embedded", password },
    });

    const linked = await inspect("warehouse/linked");
    expect(linked.data.credentials).toEqual({ $ref: "db-credentials/linked" });
    linked.data.port = 7000;
    await cli.ok([
      "block",
      "edit",
      "warehouse/linked",
      "--from-file",
      await writeDocument("linked.json", linked),
    ]);
    expect((await inspect("warehouse/linked")).data).toMatchObject({
      port: 7000,
      credentials: { $ref: "db-credentials/linked" },
    });
  });

  it("prints keep markers with --keep-markers, output that writes back as it is", async () => {
    await createCredentials("markers");
    const document = await inspect("db-credentials/markers", "--keep-markers");
    expect(document.data).toEqual({ user: "reader", password: { $keep: true } });
    const human = await cli.ok(["block", "inspect", "db-credentials/markers", "--keep-markers"]);
    expect(human).toMatch(/^password\s+\{ "\$keep": true \}$/m);

    document.data.user = "editor";
    await cli.ok(["block", "edit", "db-credentials/markers", "--from-file", "-"], {
      input: JSON.stringify(document),
    });
    expect((await inspect("db-credentials/markers", "--show-secrets")).data).toEqual({
      user: "editor",
      password,
    });

    const both = await cli.run([
      "block",
      "inspect",
      "db-credentials/markers",
      "--keep-markers",
      "--show-secrets",
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^error CONFLICTING_OPTIONS: /);
  });

  it("refuses to write back a link to a block deleted meanwhile, saying what to put instead", async () => {
    await createCredentials("doomed");
    await cli.ok([
      "block",
      "create",
      "warehouse",
      "orphan",
      "--set",
      "host=h",
      "--link",
      "credentials=db-credentials/doomed",
    ]);
    await cli.ok(["block", "delete", "db-credentials/doomed", "--force"]);
    const document = await inspect("warehouse/orphan");
    expect(document.data.credentials).toEqual({ $missing: expect.any(String) });
    const result = await cli.run(["block", "edit", "warehouse/orphan", "--from-file", "-"], {
      input: JSON.stringify(document),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error INVALID_INPUT: The input links to a block that was deleted/,
    );
  });

  it("refuses the mask text in a secret field with MASKED_SECRET and saves nothing", async () => {
    await createCredentials("masked");
    const document = await inspect("db-credentials/masked");
    const file = await writeDocument("masked.json", document);

    const result = await cli.run(["block", "edit", "db-credentials/masked", "--from-file", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error MASKED_SECRET: .*secret field password\b/);
    expect(result.stderr).toContain('{ "$keep": true }');
    expect(result.stderr).toContain("--literal-secrets");

    const created = await cli.run([
      "block",
      "create",
      "db-credentials",
      "masked-copy",
      "--from-file",
      file,
    ]);
    expect(created.status).toBe(1);
    expect(created.stderr).toMatch(/^error MASKED_SECRET: /);

    const shown = await inspect("db-credentials/masked", "--show-secrets");
    expect(shown).toMatchObject({ revision: 1, data: { password } });
  });

  it("stores the mask text as the real secret with --literal-secrets, and reveals it", async () => {
    await createCredentials("literal");
    const file = await writeDocument("literal.json", await inspect("db-credentials/literal"));
    await cli.ok([
      "block",
      "edit",
      "db-credentials/literal",
      "--from-file",
      file,
      "--literal-secrets",
    ]);
    expect((await inspect("db-credentials/literal", "--show-secrets")).data.password).toBe(
      "********",
    );

    await cli.ok(["secret", "set", "starry", "--stdin"], { input: password });
    const secretFile = await writeDocument("secret.json", await inspect("secret/starry"));
    await cli.ok([
      "block",
      "edit",
      "secret/starry",
      "--from-file",
      secretFile,
      "--literal-secrets",
    ]);
    expect(await cli.ok(["secret", "get", "starry", "--reveal"])).toBe("********\n");
  });

  it("refuses a file whose revision is no longer the newest with REVISION_CONFLICT", async () => {
    await createCredentials("stale");
    const document = await inspect("db-credentials/stale");
    document.data.password = { $keep: true };
    const file = await writeDocument("stale.json", document);
    await cli.ok(["block", "edit", "db-credentials/stale", "--set", "user=someone-else"]);

    const result = await cli.run(["block", "edit", "db-credentials/stale", "--from-file", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error REVISION_CONFLICT: "db-credentials\/stale" changed since .*stale\.json was written: the file is of revision 1, but it is at revision 2\./,
    );
    expect((await inspect("db-credentials/stale")).data.user).toBe("someone-else");

    const overwrite = await cli.run([
      "block",
      "create",
      "db-credentials",
      "stale",
      "--from-file",
      file,
      "--overwrite",
    ]);
    expect(overwrite.status).toBe(1);
    expect(overwrite.stderr).toMatch(/^error REVISION_CONFLICT: /);
  });

  it("round-trips a Secret block, read back with secret get", async () => {
    await cli.ok(["secret", "set", "api-token", "--stdin"], { input: password });
    const document = await inspect("secret/api-token");
    document.data.value = { $keep: true };
    await cli.ok(["block", "edit", "secret/api-token", "--from-file", "-"], {
      input: JSON.stringify(document),
    });
    expect(await cli.ok(["secret", "get", "api-token", "--reveal"])).toBe(`${password}\n`);
    expect((await inspect("secret/api-token")).revision).toBe(2);
  });

  it("accepts a bare YAML object of fields, with --set applied on top", async () => {
    await createCredentials("yaml");
    const file = join(cli.home, "fields.yaml");
    await writeFile(file, 'user: from-yaml\npassword: { "$keep": true }\n');
    await cli.ok([
      "block",
      "edit",
      "db-credentials/yaml",
      "--from-file",
      file,
      "--set",
      "user=from-set",
    ]);
    expect((await inspect("db-credentials/yaml", "--show-secrets")).data).toEqual({
      user: "from-set",
      password,
    });
  });

  it("copies another block's inspect output into a new block, with its own secret", async () => {
    await createCredentials("original");
    const document = await inspect("db-credentials/original");
    delete document.data.password;
    const file = await writeDocument("copy.json", document);
    await cli.ok(
      [
        "block",
        "create",
        "db-credentials",
        "copy",
        "--from-file",
        file,
        "--secret-from-env",
        "password=OTHER",
      ],
      { env: { OTHER: "other-secret" } },
    );
    expect(await inspect("db-credentials/copy", "--show-secrets")).toMatchObject({
      revision: 1,
      data: { user: "reader", password: "other-secret" },
    });
  });
});
