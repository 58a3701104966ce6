import { fileURLToPath } from "node:url";
import { AwsSecret } from "@tessera/aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorCredentials } from "./helpers/aws-fixtures.js";
import { type CliHome, createCliHome } from "./helpers/cli.js";
import { type SecretsManagerEmulator, startSecretsManagerEmulator } from "./helpers/servers.js";

let cli: CliHome;
let emulator: SecretsManagerEmulator;
/** test/, where @tessera/aws is installed for the CLI to import. */
const testDirectory = fileURLToPath(new URL(".", import.meta.url));

beforeAll(async () => {
  [cli, emulator] = await Promise.all([createCliHome(), startSecretsManagerEmulator()]);
});
afterAll(async () => {
  await Promise.all([cli?.remove(), emulator?.stop()]);
});

describe("tessera block inspect --show-secrets with a reference to a secret manager", () => {
  it("resolves aws-secret/<name> in a fresh process, importing the integration that defines it", async () => {
    const credentials = emulatorCredentials(emulator.endpoint, 1);
    await new AwsSecret({ secretName: "warehouse/password", credentials }).writeSecret(
      "from-secrets-manager-5c1e",
    );
    const run = (args: string[], env: Record<string, string> = {}) =>
      cli.ok(args, { cwd: testDirectory, env });
    await run(["block", "register", "-m", "@tessera/aws"]);
    await run(
      [
        "block",
        "create",
        "aws-secret",
        "warehouse",
        "--set",
        "secretName=warehouse/password",
        "--set",
        `credentials=${JSON.stringify({ ...credentials, secretAccessKey: undefined })}`,
        "--secret-from-env",
        "credentials.secretAccessKey=EMULATOR_SECRET",
      ],
      { EMULATOR_SECRET: credentials.secretAccessKey },
    );
    await run([
      "block",
      "create",
      "aws-credentials",
      "via-manager",
      "--set",
      "accessKeyId=AKIAEXAMPLE",
      "--secret-ref",
      "secretAccessKey=aws-secret/warehouse",
    ]);

    const masked = await run(["block", "inspect", "aws-credentials/via-manager"]);
    expect(masked).not.toContain("from-secrets-manager-5c1e");
    const shown = JSON.parse(
      await run(["block", "inspect", "aws-credentials/via-manager", "--show-secrets", "--json"]),
    );
    expect(shown.data.secretAccessKey).toEqual({ $reference: "aws-secret/warehouse" });
    expect(shown.references).toEqual([
      {
        path: "secretAccessKey",
        reference: "aws-secret/warehouse",
        value: "from-secrets-manager-5c1e",
      },
    ]);

    // A chain: secret/db holds a reference to aws-secret/warehouse.
    await run(["block", "create", "secret", "db", "--secret-ref", "value=aws-secret/warehouse"]);
    await run([
      "block",
      "create",
      "aws-credentials",
      "via-chain",
      "--set",
      "accessKeyId=AKIAEXAMPLE",
      "--secret-ref",
      "secretAccessKey=secret/db",
    ]);
    const chained = JSON.parse(
      await run(["block", "inspect", "aws-credentials/via-chain", "--show-secrets", "--json"]),
    );
    expect(chained.references).toEqual([
      { path: "secretAccessKey", reference: "secret/db", value: "from-secrets-manager-5c1e" },
    ]);
    expect(await run(["secret", "get", "db", "--reveal"])).toBe("from-secrets-manager-5c1e\n");
  });
});
