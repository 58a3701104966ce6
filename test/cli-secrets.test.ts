import { randomBytes } from "node:crypto";
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

describe("tessera secret and tessera key", () => {
  it("saves a secret piped on standard input and reveals it only with --reveal", async () => {
    const out = await cli.ok(["secret", "set", "api-token", "--stdin"], {
      input: "tok-canary-5521\n",
    });
    expect(out).toContain("Saved secret/api-token (revision 1).");
    const masked = await cli.ok(["secret", "get", "api-token"]);
    expect(masked).toContain("********");
    expect(masked).not.toContain("tok-canary-5521");
    expect(await cli.ok(["secret", "get", "api-token", "--reveal"])).toBe("tok-canary-5521\n");
    const json = JSON.parse(await cli.ok(["secret", "get", "api-token", "--reveal", "--json"])) as {
      slug: string;
      value: string;
    };
    expect(json).toMatchObject({ slug: "secret/api-token", value: "tok-canary-5521" });
  });

  it("saves a secret from an environment variable as a new revision", async () => {
    await cli.ok(["secret", "set", "api-token", "--from-env", "NEXT_TOKEN"], {
      env: { NEXT_TOKEN: "tok-canary-6632" },
    });
    expect(await cli.ok(["secret", "get", "api-token", "--reveal"])).toBe("tok-canary-6632\n");
    const history = JSON.parse(await cli.ok(["block", "history", "secret/api-token", "--json"]));
    expect(history).toHaveLength(2);
  });

  it("refuses a secret value given as an argument, without echoing it", async () => {
    const result = await cli.run(["secret", "set", "api-token", "plain-arg-canary"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_INPUT: .*shell history/);
    expect(result.stderr + result.stdout).not.toContain("plain-arg-canary");
  });

  it("refuses an unset environment variable and empty input", async () => {
    const unset = await cli.run(["secret", "set", "other", "--from-env", "NOT_SET_ANYWHERE"]);
    expect(unset.stderr).toMatch(/^error INVALID_INPUT: .*NOT_SET_ANYWHERE/);
    const empty = await cli.run(["secret", "set", "other", "--stdin"], { input: "" });
    expect(empty.stderr).toMatch(/^error INVALID_INPUT: Standard input was empty/);
  });

  it("lets a block's secret field reference the secret", async () => {
    const { writeExampleBlocks } = await import("./helpers/cli.js");
    await cli.ok(["block", "register", "-f", await writeExampleBlocks(cli.home)]);
    await cli.ok([
      "block",
      "create",
      "db-credentials",
      "via-ref",
      "--set",
      "user=svc",
      "--secret-ref",
      "password=secret/api-token",
    ]);
    const shown = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/via-ref", "--json"]),
    );
    expect(shown.data.password).toEqual({ $reference: "secret/api-token" });
  });

  it("refuses to rename a secret that a block references by slug, unless --force", async () => {
    const refused = await cli.run(["block", "rename", "secret/api-token", "token"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^error BLOCK_REFERENCED: Cannot rename "secret\/api-token": "db-credentials\/via-ref" references it/,
    );
    expect(await cli.ok(["block", "ls", "--type", "secret"])).toContain("api-token");
    await cli.ok(["block", "rename", "secret/api-token", "token", "--force"]);
    expect(await cli.ok(["block", "ls", "--type", "secret"])).not.toContain("api-token");
    await cli.ok(["block", "rename", "secret/token", "api-token", "--force"]);
  });

  it("resolves secret references with inspect --show-secrets, keeping the reference in data", async () => {
    await cli.ok(["secret", "set", "ref-target", "--stdin"], { input: "resolved-canary-90d2" });
    await cli.ok([
      "block",
      "create",
      "db-credentials",
      "resolved",
      "--set",
      "user=svc",
      "--secret-ref",
      "password=secret/ref-target",
    ]);
    const masked = await cli.ok(["block", "inspect", "db-credentials/resolved"]);
    expect(masked).toMatch(/^password\s+\*{8} \(reference to secret\/ref-target\)$/m);
    expect(masked).not.toContain("resolved-canary-90d2");
    expect(
      JSON.parse(await cli.ok(["block", "inspect", "db-credentials/resolved", "--json"])),
    ).not.toHaveProperty("references");

    const shown = await cli.ok(["block", "inspect", "db-credentials/resolved", "--show-secrets"]);
    expect(shown).toMatch(/^password\s+resolved-canary-90d2 \(from secret\/ref-target\)$/m);
    const json = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/resolved", "--show-secrets", "--json"]),
    );
    expect(json.data.password).toEqual({ $reference: "secret/ref-target" });
    expect(json.references).toEqual([
      { path: "password", reference: "secret/ref-target", value: "resolved-canary-90d2" },
    ]);

    await cli.ok([
      "block",
      "edit",
      "db-credentials/resolved",
      "--secret-ref",
      "password=env:DB_PASSWORD_FOR_TEST",
    ]);
    const fromEnvironment = JSON.parse(
      await cli.ok(["block", "inspect", "db-credentials/resolved", "--show-secrets", "--json"], {
        env: { DB_PASSWORD_FOR_TEST: "env-canary-11" },
      }),
    );
    expect(fromEnvironment.references[0]).toMatchObject({ value: "env-canary-11" });
    const unset = await cli.run(["block", "inspect", "db-credentials/resolved", "--show-secrets"]);
    expect(unset.status).toBe(1);
    expect(unset.stdout).toBe("");
    expect(unset.stderr).toMatch(/^error SECRET_REFERENCE_UNRESOLVED: .*env:DB_PASSWORD_FOR_TEST/);
  });

  it("creates and edits blocks of core's own types without registering anything", async () => {
    await cli.ok(
      ["block", "create", "secret", "made-by-create", "--secret-from-env", "value=VALUE"],
      {
        env: { VALUE: "core-type-canary" },
      },
    );
    expect(await cli.ok(["secret", "get", "made-by-create", "--reveal"])).toBe(
      "core-type-canary\n",
    );
    await cli.ok([
      "block",
      "create",
      "local-file-system",
      "results",
      "--set",
      `basePath=${cli.home}/results`,
    ]);
    await cli.ok([
      "block",
      "edit",
      "local-file-system/results",
      "--set",
      `basePath=${cli.home}/elsewhere`,
    ]);
    const shown = JSON.parse(
      await cli.ok(["block", "inspect", "local-file-system/results", "--json"]),
    );
    expect(shown).toMatchObject({ revision: 2, data: { basePath: `${cli.home}/elsewhere` } });
  });

  it("reports key status by id only and rotates every data key to a new key", async () => {
    const status = JSON.parse(await cli.ok(["key", "status", "--json"])) as {
      source: { kind: string };
      currentKeyId: string;
      keys: Array<{ id: string; documents: number; current: boolean }>;
      documentsToRotate: number;
    };
    expect(status.source.kind).toBe("environment");
    expect(status.documentsToRotate).toBe(0);
    const oldId = status.currentKeyId;
    const human = await cli.ok(["key", "status"]);
    expect(human).not.toContain(cli.key);

    const newKey = randomBytes(32).toString("base64");
    const rotatedEnv = { TESSERA_ENCRYPTION_KEY: `${newKey},${cli.key}` };
    const pending = JSON.parse(await cli.ok(["key", "status", "--json"], { env: rotatedEnv }));
    expect(pending.documentsToRotate).toBeGreaterThan(0);
    const rotated = JSON.parse(await cli.ok(["key", "rotate", "--json"], { env: rotatedEnv }));
    expect(rotated.rewrapped).toBe(pending.documentsToRotate);
    expect(rotated.masterKeyId).not.toBe(oldId);
    const again = await cli.run(["key", "rotate"], { env: rotatedEnv });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(
      `Every data key is now wrapped by ${rotated.masterKeyId} (0 re-wrapped).\n`,
    );
    expect(again.stderr).toBe("");

    // The old key alone no longer opens anything; the new key alone opens everything.
    const newOnly = { TESSERA_ENCRYPTION_KEY: newKey };
    expect(await cli.ok(["secret", "get", "api-token", "--reveal"], { env: newOnly })).toBe(
      "tok-canary-6632\n",
    );
    const oldOnly = await cli.run(["secret", "get", "api-token", "--reveal"]);
    expect(oldOnly.status).toBe(1);
    expect(oldOnly.stderr).toMatch(/^error DECRYPTION_FAILED: /);
    expect(oldOnly.stderr).not.toContain("tok-canary-6632");
  });

  it("rotates to a new key in the key file and retires the old one", async () => {
    const keyFileOnly = {
      TESSERA_ENCRYPTION_KEY: undefined,
      TESSERA_HOME: join(cli.home, "key-file-home"),
    };
    await cli.ok(["secret", "set", "in-key-file", "--stdin"], {
      input: "key-file-canary",
      env: keyFileOnly,
    });
    const before = JSON.parse(await cli.ok(["key", "status", "--json"], { env: keyFileOnly }));
    expect(before.source.kind).toBe("key-file");
    const rotated = JSON.parse(
      await cli.ok(["key", "rotate", "--new-key", "--retire-old-keys", "--json"], {
        env: keyFileOnly,
      }),
    );
    expect(rotated.masterKeyId).not.toBe(before.currentKeyId);
    expect(rotated.retired).toEqual([before.currentKeyId]);
    const after = JSON.parse(await cli.ok(["key", "status", "--json"], { env: keyFileOnly }));
    expect(after.keys.map((key: { id: string }) => key.id)).toEqual([rotated.masterKeyId]);
    expect(await cli.ok(["secret", "get", "in-key-file", "--reveal"], { env: keyFileOnly })).toBe(
      "key-file-canary\n",
    );
  });
});
