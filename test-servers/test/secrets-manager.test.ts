import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SecretsManagerEmulator, startSecretsManagerEmulator } from "../src/index.js";

let emulator: SecretsManagerEmulator;
let client: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startSecretsManagerEmulator({ deniedAccessKeyIds: ["DENIED"] });
  client = new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error("expected the call to fail");
}

describe("Secrets Manager emulator, driven by the official SDK", () => {
  it("creates a secret and returns its current value with an ARN, version id and stages", async () => {
    const created = await client.send(
      new CreateSecretCommand({ Name: "db/password", SecretString: "first" }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:db\/password-[A-Za-z0-9]{6}$/,
    );
    const value = await client.send(new GetSecretValueCommand({ SecretId: "db/password" }));
    expect(value).toMatchObject({
      ARN: created.ARN,
      Name: "db/password",
      SecretString: "first",
      VersionId: created.VersionId,
      VersionStages: ["AWSCURRENT"],
    });
    expect(value.CreatedDate).toBeInstanceOf(Date);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.SecretString).toBe("first");
  });

  it("moves AWSCURRENT to a put value and keeps the old one as AWSPREVIOUS", async () => {
    const created = await client.send(
      new CreateSecretCommand({ Name: "rotating", SecretString: "v1" }),
    );
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: "rotating", SecretString: "v2" }),
    );
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);
    await client.send(new PutSecretValueCommand({ SecretId: "rotating", SecretString: "v3" }));

    const current = await client.send(new GetSecretValueCommand({ SecretId: "rotating" }));
    expect(current.SecretString).toBe("v3");
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }),
    );
    expect(previous.SecretString).toBe("v2");
    expect(previous.VersionId).toBe(put.VersionId);
    const pinned = await client.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionId: put.VersionId }),
    );
    expect(pinned.SecretString).toBe("v2");
    // The first version lost every stage, so it is deprecated and gone.
    expect(
      await errorName(
        client.send(
          new GetSecretValueCommand({ SecretId: "rotating", VersionId: created.VersionId }),
        ),
      ),
    ).toBe("ResourceNotFoundException");
    const described = await client.send(new DescribeSecretCommand({ SecretId: "rotating" }));
    expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([
      ["AWSCURRENT"],
      ["AWSPREVIOUS"],
    ]);
  });

  it("refuses a version id and a stage that name different versions", async () => {
    await client.send(new CreateSecretCommand({ Name: "staged", SecretString: "a" }));
    const second = await client.send(
      new PutSecretValueCommand({ SecretId: "staged", SecretString: "b" }),
    );
    expect(
      await errorName(
        client.send(
          new GetSecretValueCommand({
            SecretId: "staged",
            VersionId: second.VersionId,
            VersionStage: "AWSPREVIOUS",
          }),
        ),
      ),
    ).toBe("InvalidRequestException");
  });

  it("answers ResourceNotFoundException for a missing secret and ResourceExistsException for a taken name", async () => {
    expect(await errorName(client.send(new GetSecretValueCommand({ SecretId: "nope" })))).toBe(
      "ResourceNotFoundException",
    );
    expect(
      await errorName(
        client.send(new PutSecretValueCommand({ SecretId: "nope", SecretString: "x" })),
      ),
    ).toBe("ResourceNotFoundException");
    await client.send(new CreateSecretCommand({ Name: "taken", SecretString: "x" }));
    expect(
      await errorName(client.send(new CreateSecretCommand({ Name: "taken", SecretString: "y" }))),
    ).toBe("ResourceExistsException");
  });

  it("treats a repeated ClientRequestToken with the same value as the same request", async () => {
    const token = "0123456789abcdef0123456789abcdef";
    const first = await client.send(
      new CreateSecretCommand({ Name: "idempotent", SecretString: "x", ClientRequestToken: token }),
    );
    const again = await client.send(
      new CreateSecretCommand({ Name: "idempotent", SecretString: "x", ClientRequestToken: token }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    expect(again.ARN).toBe(first.ARN);
    const putToken = "fedcba9876543210fedcba9876543210";
    await client.send(
      new PutSecretValueCommand({
        SecretId: "idempotent",
        SecretString: "y",
        ClientRequestToken: putToken,
      }),
    );
    const repeated = await client.send(
      new PutSecretValueCommand({
        SecretId: "idempotent",
        SecretString: "y",
        ClientRequestToken: putToken,
      }),
    );
    expect(repeated.VersionId).toBe(putToken);
    expect(
      await errorName(
        client.send(
          new PutSecretValueCommand({
            SecretId: "idempotent",
            SecretString: "z",
            ClientRequestToken: putToken,
          }),
        ),
      ),
    ).toBe("ResourceExistsException");
  });

  it("schedules deletion within a 7 to 30 day window and refuses access until restored", async () => {
    await client.send(new CreateSecretCommand({ Name: "doomed", SecretString: "x" }));
    for (const days of [6, 31]) {
      expect(
        await errorName(
          client.send(new DeleteSecretCommand({ SecretId: "doomed", RecoveryWindowInDays: days })),
        ),
      ).toBe("InvalidParameterException");
    }
    const deleted = await client.send(
      new DeleteSecretCommand({ SecretId: "doomed", RecoveryWindowInDays: 7 }),
    );
    const inDays = ((deleted.DeletionDate?.getTime() ?? 0) - Date.now()) / (24 * 60 * 60 * 1000);
    expect(inDays).toBeGreaterThan(6.9);
    expect(inDays).toBeLessThan(7.1);
    expect(await errorName(client.send(new GetSecretValueCommand({ SecretId: "doomed" })))).toBe(
      "InvalidRequestException",
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: "doomed" }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect(
      await errorName(client.send(new CreateSecretCommand({ Name: "doomed", SecretString: "y" }))),
    ).toBe("InvalidRequestException");
    await client.send(new RestoreSecretCommand({ SecretId: "doomed" }));
    const restored = await client.send(new GetSecretValueCommand({ SecretId: "doomed" }));
    expect(restored.SecretString).toBe("x");
  });

  it("force-deletes at once, and refuses force together with a recovery window", async () => {
    await client.send(new CreateSecretCommand({ Name: "gone", SecretString: "x" }));
    expect(
      await errorName(
        client.send(
          new DeleteSecretCommand({
            SecretId: "gone",
            RecoveryWindowInDays: 7,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      ),
    ).toBe("InvalidParameterException");
    await client.send(
      new DeleteSecretCommand({ SecretId: "gone", ForceDeleteWithoutRecovery: true }),
    );
    expect(await errorName(client.send(new DescribeSecretCommand({ SecretId: "gone" })))).toBe(
      "ResourceNotFoundException",
    );
    await client.send(new CreateSecretCommand({ Name: "gone", SecretString: "again" }));
  });

  it("stores binary secrets as bytes", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await client.send(new CreateSecretCommand({ Name: "binary", SecretBinary: bytes }));
    const value = await client.send(new GetSecretValueCommand({ SecretId: "binary" }));
    expect(value.SecretString).toBeUndefined();
    expect([...(value.SecretBinary ?? [])]).toEqual([0, 1, 2, 255]);
  });

  it("answers AccessDeniedException for a denied access key", async () => {
    const denied = new SecretsManagerClient({
      endpoint: emulator.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "DENIED", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    expect(
      await errorName(denied.send(new GetSecretValueCommand({ SecretId: "db/password" }))),
    ).toBe("AccessDeniedException");
    denied.destroy();
  });
});
