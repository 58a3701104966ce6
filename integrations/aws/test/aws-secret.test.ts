import { clearSecretReferenceCache, configureSecretReferences, Secret } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  emulatorCredentials,
  errorOf,
  freshFolder,
  type SecretsManagerEmulator,
  startSecretsManagerEmulator,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsCredentials, AwsSecret } from "../src/index.js";

let emulator: SecretsManagerEmulator;
let harness: TestHarness;

beforeAll(async () => {
  emulator = await startSecretsManagerEmulator({ deniedAccessKeyIds: ["DENIED"] });
});
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(async () => {
  harness = await createTestHarness();
  clearSecretReferenceCache();
});
afterEach(async () => {
  await harness.cleanup();
});

function secretBlock(secretName = freshFolder("secret")) {
  return new AwsSecret({ secretName, credentials: emulatorCredentials(emulator.endpoint) });
}

describe("AwsSecret", () => {
  it("creates the secret on first write, returns its ARN and reads the value back", async () => {
    const secret = secretBlock("prod/db-password");
    const arn = await secret.writeSecret("first value");
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:prod\/db-password-\w{6}$/);
    expect(await secret.readSecret()).toBe("first value");
    expect(await secret.writeSecret("second value")).toBe(arn);
    expect(await secret.readSecret()).toBe("second value");
  });

  it("reads an earlier version by stage or by version id", async () => {
    const secret = secretBlock();
    await secret.writeSecret("v1");
    await secret.writeSecret("v2");
    expect(await secret.readSecret({ versionStage: "AWSPREVIOUS" })).toBe("v1");
    expect(await secret.readSecret({ versionStage: "AWSCURRENT" })).toBe("v2");
    const missing = await errorOf(() => secret.readSecret({ versionId: "no-such-version" }));
    expect(missing.code).toBe("SECRET_NOT_FOUND");
    expect(missing.message).toContain("no-such-version");
  });

  it("writes a JSON value as its JSON text", async () => {
    const secret = secretBlock();
    await secret.writeSecret({ user: "app", password: "pw" });
    expect(JSON.parse(String(await secret.readSecret()))).toEqual({ user: "app", password: "pw" });
  });

  it("writes bytes as a binary secret, created or put, and reads them back as bytes or base64", async () => {
    const secret = secretBlock();
    const first = Uint8Array.from([0, 1, 2, 254, 255]);
    await secret.writeSecret(first);
    expect(await secret.readSecretBytes()).toEqual(first);
    expect(await secret.readSecret()).toBe(Buffer.from(first).toString("base64"));
    const second = Uint8Array.from([9, 8, 7]);
    await secret.writeSecret(second);
    expect(await secret.readSecretBytes()).toEqual(second);
    expect(await secret.readSecretBytes({ versionStage: "AWSPREVIOUS" })).toEqual(first);
    await secret.writeSecret("text again");
    expect(Buffer.from(await secret.readSecretBytes()).toString()).toBe("text again");
  });

  it("fails with SECRET_NOT_FOUND naming the secret and the block, without retrying", async () => {
    const secret = await secretBlock("never-written").save("missing");
    const before = emulator.operations.length;
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_NOT_FOUND");
    expect(error.message).toContain('"never-written"');
    expect(error.message).toContain("aws-secret/missing");
    expect(emulator.operations.slice(before)).toEqual(["GetSecretValue"]);
  });

  it("schedules deletion with a recovery window, after which reads are refused", async () => {
    const secret = secretBlock();
    await secret.writeSecret("doomed");
    const deleted = await secret.deleteSecret({ recoveryWindowInDays: 7 });
    const days = ((deleted.deletionDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_SCHEDULED_FOR_DELETION");
    expect(error.message).toContain(secret.secretName);
  });

  it("deletes at once with force, so the name is free again", async () => {
    const secret = secretBlock();
    await secret.writeSecret("gone");
    await secret.deleteSecret({ force: true });
    expect((await errorOf(() => secret.readSecret())).code).toBe("SECRET_NOT_FOUND");
    await secret.writeSecret("reborn");
    expect(await secret.readSecret()).toBe("reborn");
  });

  it("uses a 30-day recovery window by default", async () => {
    const secret = secretBlock();
    await secret.writeSecret("x");
    const deleted = await secret.deleteSecret();
    const days = ((deleted.deletionDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it("refuses recovery windows outside 7 to 30 days, and force with a window, before calling AWS", async () => {
    const secret = secretBlock();
    const before = emulator.operations.length;
    for (const recoveryWindowInDays of [6, 31, 7.5, 0]) {
      const error = await errorOf(() => secret.deleteSecret({ recoveryWindowInDays }));
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.message).toContain("7 to 30");
    }
    const both = await errorOf(() =>
      secret.deleteSecret({ force: true, recoveryWindowInDays: 7 } as never),
    );
    expect(both.code).toBe("INVALID_INPUT");
    expect(emulator.operations.length).toBe(before);
  });

  it("reports access denied as SECRET_ACCESS_DENIED naming the secret", async () => {
    const secret = new AwsSecret({
      secretName: "locked",
      credentials: { ...emulatorCredentials(emulator.endpoint), accessKeyId: "DENIED" },
    });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_ACCESS_DENIED");
    expect(error.message).toContain('"locked"');
  });

  it("keeps its credentials' secret access key encrypted and masked when saved", async () => {
    await secretBlock("masked").save("masked");
    const loaded = await AwsSecret.load("masked");
    const printed = JSON.parse(JSON.stringify(loaded)) as { credentials: Record<string, unknown> };
    expect(printed.credentials.secretAccessKey).toBe("********");
    expect(await loaded.credentials.secretAccessKey?.reveal()).toBe("S3RVER");
  });
});

describe("a secret field referencing aws-secret/<name>", () => {
  it("reveals the value stored in Secrets Manager, end to end through the registry", async () => {
    const source = secretBlock("warehouse/password");
    await source.save("warehouse-password");
    await source.writeSecret("p4ssw0rd-from-aws");

    await new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: { $reference: "aws-secret/warehouse-password" },
    }).save("from-secrets-manager");
    const loaded = await AwsCredentials.load("from-secrets-manager");
    expect(String(loaded.secretAccessKey)).toBe("********");
    expect(await loaded.secretAccessKey?.reveal()).toBe("p4ssw0rd-from-aws");

    await new Secret({ value: { $reference: "aws-secret/warehouse-password" } }).save("db");
    expect(await (await Secret.load("db")).get()).toBe("p4ssw0rd-from-aws");
  });

  it("honours a pinned version stage and picks up a rotated value once the cache expires", async () => {
    const source = secretBlock("rotating/token");
    await source.save("rotating");
    await source.writeSecret("first");
    await source.writeSecret("second");
    const pinned = new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: { $reference: "aws-secret/rotating?versionStage=AWSPREVIOUS" },
    });
    expect(await pinned.secretAccessKey?.reveal()).toBe("first");

    const previous = configureSecretReferences({});
    configureSecretReferences({ cacheTtlMs: 200 });
    try {
      const current = new AwsCredentials({
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: { $reference: "aws-secret/rotating" },
      });
      expect(await current.secretAccessKey?.reveal()).toBe("second");
      await source.writeSecret("third");
      expect(await current.secretAccessKey?.reveal()).toBe("second");
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await current.secretAccessKey?.reveal()).toBe("third");
    } finally {
      configureSecretReferences({ cacheTtlMs: previous.cacheTtlMs });
    }
  });

  it("fails naming the reference, never a value, when the AWS secret is missing", async () => {
    await secretBlock("not/there").save("absent");
    const credentials = new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: { $reference: "aws-secret/absent" },
    });
    const error = await errorOf(() => credentials.secretAccessKey!.reveal());
    expect(error.message).toContain("aws-secret/absent");
    expect(error.message).toContain("not/there");
  });
});
