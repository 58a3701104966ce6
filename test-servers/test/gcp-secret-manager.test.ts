import { generateKeyPairSync } from "node:crypto";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crc32cNumber, type GcpSecretManager, startGcpSecretManager } from "../src/index.js";

let emulator: GcpSecretManager;
let client: SecretManagerServiceClient;

/** A service-account key: the client signs its own JWT with it, so no token server is needed. */
function serviceAccountKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    client_email: "emulator-test@alpha-project.iam.gserviceaccount.com",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

beforeAll(async () => {
  emulator = await startGcpSecretManager({ deniedProjects: ["locked-project"] });
  const { port } = new URL(emulator.endpoint);
  client = new SecretManagerServiceClient({
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port: Number(port),
    protocol: "http",
    credentials: serviceAccountKey(),
    projectId: "alpha-project",
  } as never);
});

afterAll(async () => {
  await client.close();
  await emulator.stop();
});

/** The error a call fails with: Google's HTTP status and canonical status, and the message. */
async function failureOf(
  promise: Promise<unknown>,
): Promise<{ status: number; canonical: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { status?: unknown; code?: unknown; message: string };
    const status = Number(failure.status ?? failure.code);
    const canonical = (JSON.parse(failure.message) as { error: { status: string } }).error.status;
    return { status, canonical, message: failure.message };
  }
  throw new Error("expected the call to fail");
}

const data = (text: string) => Buffer.from(text, "utf8");

describe("Secret Manager emulator, driven by the official client on its HTTP/JSON transport", () => {
  it("creates a secret, adds versions and accesses latest and numbered versions with their CRC32C", async () => {
    const [secret] = await client.createSecret({
      parent: "projects/alpha-project",
      secretId: "db-password",
      secret: { replication: { automatic: {} } },
    });
    const number = emulator.projectNumber("alpha-project");
    expect(secret.name).toBe(`projects/${number}/secrets/db-password`);
    const [first] = await client.addSecretVersion({
      parent: "projects/alpha-project/secrets/db-password",
      payload: { data: data("first"), dataCrc32c: crc32cNumber(data("first")) },
    });
    expect(first.name).toBe(`projects/${number}/secrets/db-password/versions/1`);
    expect(first.state).toBe("ENABLED");
    await client.addSecretVersion({
      parent: `projects/${number}/secrets/db-password`,
      payload: { data: data("second") },
    });
    const [latest] = await client.accessSecretVersion({
      name: "projects/alpha-project/secrets/db-password/versions/latest",
    });
    expect(latest.name).toBe(`projects/${number}/secrets/db-password/versions/2`);
    expect(Buffer.from(latest.payload?.data as Uint8Array).toString()).toBe("second");
    expect(Number(latest.payload?.dataCrc32c)).toBe(crc32cNumber(data("second")));
    const [pinned] = await client.accessSecretVersion({
      name: "projects/alpha-project/secrets/db-password/versions/1",
    });
    expect(Buffer.from(pinned.payload?.data as Uint8Array).toString()).toBe("first");
    const [got] = await client.getSecret({ name: "projects/alpha-project/secrets/db-password" });
    expect(got.replication?.automatic).toBeDefined();
  });

  it("refuses a payload whose dataCrc32c does not match with INVALID_ARGUMENT and stores nothing", async () => {
    await client.createSecret({
      parent: "projects/alpha-project",
      secretId: "checked",
      secret: { replication: { automatic: {} } },
    });
    const failure = await failureOf(
      client.addSecretVersion({
        parent: "projects/alpha-project/secrets/checked",
        payload: { data: data("payload"), dataCrc32c: crc32cNumber(data("payloaD")) },
      }),
    );
    expect(failure).toMatchObject({ status: 400, canonical: "INVALID_ARGUMENT" });
    expect(emulator.versions("alpha-project", "checked")).toEqual([]);
  });

  it("answers Google's error JSON: 404 NOT_FOUND for a missing secret or version, 409 ALREADY_EXISTS for a taken name", async () => {
    const missing = await failureOf(
      client.accessSecretVersion({ name: "projects/alpha-project/secrets/absent/versions/latest" }),
    );
    expect(missing).toMatchObject({ status: 404, canonical: "NOT_FOUND" });
    expect(missing.message).toContain("secrets/absent");
    await client.createSecret({
      parent: "projects/alpha-project",
      secretId: "taken",
      secret: { replication: { automatic: {} } },
    });
    const noVersion = await failureOf(
      client.accessSecretVersion({ name: "projects/alpha-project/secrets/taken/versions/3" }),
    );
    expect(noVersion).toMatchObject({ status: 404, canonical: "NOT_FOUND" });
    const taken = await failureOf(
      client.createSecret({
        parent: "projects/alpha-project",
        secretId: "taken",
        secret: { replication: { automatic: {} } },
      }),
    );
    expect(taken).toMatchObject({ status: 409, canonical: "ALREADY_EXISTS" });
    const badName = await failureOf(
      client.createSecret({
        parent: "projects/alpha-project",
        secretId: "no/slashes",
        secret: { replication: { automatic: {} } },
      }),
    );
    expect(badName).toMatchObject({ status: 400, canonical: "INVALID_ARGUMENT" });
  });

  it("answers 403 PERMISSION_DENIED on a denied project, and again once a project is denied later", async () => {
    const denied = await failureOf(
      client.accessSecretVersion({ name: "projects/locked-project/secrets/x/versions/latest" }),
    );
    expect(denied).toMatchObject({ status: 403, canonical: "PERMISSION_DENIED" });
    emulator.denyProject("beta-project");
    const later = await failureOf(
      client.createSecret({
        parent: "projects/beta-project",
        secretId: "x",
        secret: { replication: { automatic: {} } },
      }),
    );
    expect(later).toMatchObject({ status: 403, canonical: "PERMISSION_DENIED" });
    emulator.denyProject("beta-project", false);
    await client.createSecret({
      parent: "projects/beta-project",
      secretId: "x",
      secret: { replication: { automatic: {} } },
    });
  });

  it("refuses access to a disabled or destroyed version with FAILED_PRECONDITION, and deletes a secret with its versions", async () => {
    await client.createSecret({
      parent: "projects/alpha-project",
      secretId: "rotated",
      secret: { replication: { automatic: {} } },
    });
    for (const text of ["one", "two", "three"]) {
      await client.addSecretVersion({
        parent: "projects/alpha-project/secrets/rotated",
        payload: { data: data(text) },
      });
    }
    const [disabled] = await client.disableSecretVersion({
      name: "projects/alpha-project/secrets/rotated/versions/1",
    });
    expect(disabled.state).toBe("DISABLED");
    await client.destroySecretVersion({
      name: "projects/alpha-project/secrets/rotated/versions/2",
    });
    for (const version of ["1", "2"]) {
      const failure = await failureOf(
        client.accessSecretVersion({
          name: `projects/alpha-project/secrets/rotated/versions/${version}`,
        }),
      );
      expect(failure).toMatchObject({ status: 400, canonical: "FAILED_PRECONDITION" });
    }
    expect(emulator.versions("alpha-project", "rotated").map((version) => version.state)).toEqual([
      "DISABLED",
      "DESTROYED",
      "ENABLED",
    ]);
    await client.enableSecretVersion({ name: "projects/alpha-project/secrets/rotated/versions/1" });
    const [enabled] = await client.accessSecretVersion({
      name: "projects/alpha-project/secrets/rotated/versions/1",
    });
    expect(Buffer.from(enabled.payload?.data as Uint8Array).toString()).toBe("one");
    await client.deleteSecret({ name: "projects/alpha-project/secrets/rotated" });
    const gone = await failureOf(
      client.getSecret({ name: "projects/alpha-project/secrets/rotated" }),
    );
    expect(gone).toMatchObject({ status: 404, canonical: "NOT_FOUND" });
  });

  it("answers 401 UNAUTHENTICATED to a request without credentials", async () => {
    const response = await fetch(
      `${emulator.endpoint}/v1/projects/alpha-project/secrets/x/versions/latest:access`,
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 401, status: "UNAUTHENTICATED" },
    });
  });
});
