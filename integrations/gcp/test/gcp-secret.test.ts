import { inspect } from "node:util";
import {
  clearSecretReferenceCache,
  InvalidInputError,
  Secret,
  ValidationFailedError,
} from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  errorOf,
  type FaultAction,
  type FaultProxy,
  type GcpSecretManager,
  startFaultProxy,
  startGcpSecretManager,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GcpCredentials, GcpSecret } from "../src/index.js";
import { serviceAccountKeyFile } from "./service-account.js";

let emulator: GcpSecretManager;
let harness: TestHarness;
/**
 * One key for the whole file: the client signs its own tokens with it, no token server needed.
 * Its project is not the one the tests name in errors: every string of a revealed key is scrubbed
 * from error messages, its project_id too.
 */
const key = serviceAccountKeyFile(
  "secrets-test@key-project.iam.gserviceaccount.com",
  "key-project",
);

beforeAll(async () => {
  emulator = await startGcpSecretManager({ deniedProjects: ["locked-project"] });
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

let counter = 0;
/** A secret name no other test uses. */
function freshName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

function credentials(endpoint = emulator.endpoint, fields: Record<string, unknown> = {}) {
  return {
    serviceAccountInfo: key,
    project: "secret-project",
    secretManagerEndpoint: endpoint,
    ...fields,
  };
}

function secretBlock(secretName = freshName("secret"), fields: Record<string, unknown> = {}) {
  return new GcpSecret({ secretName, credentials: credentials(), ...fields });
}

const unavailable: FaultAction = {
  kind: "respond",
  status: 503,
  headers: { "content-type": "application/json; charset=UTF-8" },
  body: JSON.stringify({
    error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" },
  }),
};

describe("GcpSecret", () => {
  it("creates the secret on first write, adds a version on each later one, and reads the latest", async () => {
    const secret = secretBlock("db-password");
    const number = emulator.projectNumber("secret-project");
    expect(await secret.writeSecret("first value")).toBe(
      `projects/${number}/secrets/db-password/versions/1`,
    );
    expect(await secret.readSecret()).toBe("first value");
    expect(await secret.writeSecret("second value")).toBe(
      `projects/${number}/secrets/db-password/versions/2`,
    );
    expect(await secret.readSecret()).toBe("second value");
    expect(await secret.readSecret({ version: "latest" })).toBe("second value");
    expect(await secret.readSecret({ version: 1 })).toBe("first value");
    expect(await secret.readSecret({ versionId: "1" })).toBe("first value");
  });

  it("sends each payload with its CRC32C, which Secret Manager verifies", async () => {
    const secret = secretBlock();
    await secret.writeSecret("checked");
    const name = secret.secretName;
    const creates = emulator.requests.filter(
      (request) => request.method === "POST" && request.query.get("secretId") === name,
    );
    expect(creates).toHaveLength(1);
    const versions = emulator.versions("secret-project", name);
    expect(versions).toEqual([{ id: "1", state: "ENABLED" }]);
    // The client's own record of the version says the checksum was client-specified.
    const client = await secret.getClient();
    const [version] = await client.getSecretVersion({
      name: `projects/secret-project/secrets/${name}/versions/1`,
    });
    expect(version.clientSpecifiedPayloadChecksum).toBe(true);
  });

  it("stores a JSON value as its JSON text and bytes as they are", async () => {
    const secret = secretBlock();
    await secret.writeSecret({ user: "app", password: "pw" });
    expect(JSON.parse(String(await secret.readSecret()))).toEqual({ user: "app", password: "pw" });
    const bytes = new Uint8Array([0, 255, 1, 254]);
    await secret.writeSecret(bytes);
    expect([...(await secret.readSecretBytes())]).toEqual([...bytes]);
  });

  it("adds its version to a secret another writer created at the same moment", async () => {
    const name = freshName("raced");
    const first = secretBlock(name);
    const second = new GcpSecret({
      secretName: name,
      credentials: credentials(emulator.endpoint, { clientOptions: { maxRetries: 2 } }),
    });
    const written = await Promise.all([
      first.writeSecret("from one"),
      second.writeSecret("from two"),
    ]);
    const creates = emulator.requests.filter(
      (request) => request.method === "POST" && request.query.get("secretId") === name,
    );
    expect(creates).toHaveLength(2);
    expect(written.map((version) => version.split("/").at(-1)).sort()).toEqual(["1", "2"]);
    expect(emulator.versions("secret-project", name)).toHaveLength(2);
  });

  it("validates the secret name as Secret Manager does", () => {
    for (const secretName of ["", "with/slash", "dots.not.allowed", "x".repeat(256)]) {
      expect(() => new GcpSecret({ secretName })).toThrow(ValidationFailedError);
    }
    expect(new GcpSecret({ secretName: `A_b-9${"x".repeat(250)}` }).secretName).toHaveLength(255);
  });

  it("takes the project from the block, else from its credentials, and fails with GCP_PROJECT_MISSING when neither has one", async () => {
    const own = new GcpSecret({
      secretName: "x",
      project: "other-project",
      credentials: credentials(),
    });
    expect(await own.resourceName()).toBe("projects/other-project/secrets/x");
    expect(await secretBlock("x").resourceName()).toBe("projects/secret-project/secrets/x");
    const fromKey = new GcpSecret({
      secretName: "x",
      credentials: { serviceAccountInfo: key, secretManagerEndpoint: emulator.endpoint },
    });
    expect(await fromKey.resourceName()).toBe("projects/key-project/secrets/x");
    const { project_id: _omitted, ...keyWithoutProject } = key;
    const none = new GcpSecret({
      secretName: "x",
      credentials: {
        serviceAccountInfo: keyWithoutProject,
        secretManagerEndpoint: emulator.endpoint,
      },
    });
    const error = await errorOf(() => none.readSecret());
    expect(error.code).toBe("GCP_PROJECT_MISSING");
    expect(error.message).toContain('"x"');
  });

  it("refuses a version that is not a number or latest, and version stages, before calling Google", async () => {
    const secret = secretBlock();
    const before = emulator.requests.length;
    for (const options of [
      { versionId: "abc" },
      { version: 0 },
      { version: 1.5 },
      { versionStage: "AWSCURRENT" },
      { version: 2, versionId: "3" },
    ]) {
      const error = await errorOf(() => secret.readSecret(options as never));
      expect(InvalidInputError.isInstance(error)).toBe(true);
    }
    expect(emulator.requests.length).toBe(before);
  });

  it("fails with SECRET_NOT_FOUND naming the secret, the project and the version, without retrying", async () => {
    const secret = secretBlock("never-written");
    const before = emulator.requests.length;
    const missing = await errorOf(() => secret.readSecret());
    expect(missing.code).toBe("SECRET_NOT_FOUND");
    expect(missing.message).toContain('"never-written"');
    expect(missing.message).toContain('project "secret-project"');
    expect(emulator.requests.length - before).toBe(1);
    await secret.writeSecret("only one");
    const version = await errorOf(() => secret.readSecret({ version: 7 }));
    expect(version.code).toBe("SECRET_NOT_FOUND");
    expect(version.message).toContain("version 7");
    expect(version).toMatchObject({
      secretName: "never-written",
      project: "secret-project",
      version: "7",
    });
  });

  it("reports a disabled or destroyed version as SECRET_VERSION_UNAVAILABLE with its state", async () => {
    const secret = secretBlock();
    await secret.writeSecret("one");
    await secret.writeSecret("two");
    const client = await secret.getClient();
    const parent = await secret.resourceName();
    await client.disableSecretVersion({ name: `${parent}/versions/1` });
    await client.destroySecretVersion({ name: `${parent}/versions/2` });
    const disabled = await errorOf(() => secret.readSecret({ version: 1 }));
    expect(disabled).toMatchObject({ code: "SECRET_VERSION_UNAVAILABLE", state: "DISABLED" });
    const destroyed = await errorOf(() => secret.readSecret());
    expect(destroyed).toMatchObject({
      code: "SECRET_VERSION_UNAVAILABLE",
      state: "DESTROYED",
      version: "latest",
    });
  });

  it("deletes the secret with its versions, after which reads and deletes are SECRET_NOT_FOUND", async () => {
    const secret = secretBlock();
    await secret.writeSecret("short-lived");
    expect(await secret.deleteSecret()).toBe(
      `projects/secret-project/secrets/${secret.secretName}`,
    );
    expect((await errorOf(() => secret.readSecret())).code).toBe("SECRET_NOT_FOUND");
    expect((await errorOf(() => secret.deleteSecret())).code).toBe("SECRET_NOT_FOUND");
  });

  it("reports 403 as SECRET_ACCESS_DENIED naming secret and project, and never puts the value in the error", async () => {
    const secret = secretBlock("locked", { project: "locked-project" });
    const value = "hunter2-value-that-must-not-leak";
    const error = await errorOf(() => secret.writeSecret(value));
    expect(error.code).toBe("SECRET_ACCESS_DENIED");
    expect(error.message).toContain('"locked"');
    expect(error.message).toContain('project "locked-project"');
    const shown = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}${error.message}`;
    expect(shown).not.toContain(value);
    expect(shown).not.toContain(Buffer.from(value).toString("base64"));
    expect((await errorOf(() => secret.readSecret())).code).toBe("SECRET_ACCESS_DENIED");
  });

  it("keeps its credentials' key encrypted and masked when saved, and loads it back", async () => {
    await secretBlock("saved-one").save("saved");
    const loaded = await GcpSecret.load("saved");
    expect(String(loaded.credentials.serviceAccountInfo)).toBe("********");
    expect(loaded.secretName).toBe("saved-one");
  });
});

describe("gcp-secret references", () => {
  it("reveals the value stored in Secret Manager through a saved block's reference", async () => {
    const source = secretBlock("warehouse-password");
    await source.save("warehouse-password");
    await source.writeSecret("p4ssw0rd-from-gcp");
    await new Secret({ value: { $reference: "gcp-secret/warehouse-password" } }).save("db");
    const loaded = await Secret.load("db");
    expect(String(loaded.value)).toBe("********");
    expect(await loaded.get()).toBe("p4ssw0rd-from-gcp");
  });

  it("keeps reading a pinned version after a newer version is written", async () => {
    const source = secretBlock();
    await source.save("rotating");
    await source.writeSecret("first");
    await source.writeSecret("second");
    await new Secret({ value: { $reference: "gcp-secret/rotating?version=1" } }).save("pinned");
    await new Secret({ value: { $reference: "gcp-secret/rotating" } }).save("current");
    expect(await (await Secret.load("pinned")).get()).toBe("first");
    expect(await (await Secret.load("current")).get()).toBe("second");
    await source.writeSecret("third");
    clearSecretReferenceCache();
    expect(await (await Secret.load("pinned")).get()).toBe("first");
    expect(await (await Secret.load("current")).get()).toBe("third");
  });

  it("fails naming the reference and the secret, never a value, when the secret is missing", async () => {
    await secretBlock("not-there").save("absent");
    const holder = new Secret({ value: { $reference: "gcp-secret/absent" } });
    const error = await errorOf(() => holder.get());
    expect(error.message).toContain("gcp-secret/absent");
    expect(error.message).toContain("not-there");
  });
});

describe("GcpSecret through a faulty network", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(emulator.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  beforeEach(() => {
    proxy.reset();
  });

  function proxied(secretName: string) {
    return new GcpSecret({
      secretName,
      credentials: credentials(proxy.endpoint, {
        clientOptions: { maxRetries: 2, maxRetryDelaySeconds: 1 },
      }),
    });
  }

  it("reads through a 503 answered once, retrying the access", async () => {
    const secret = proxied(freshName("flaky"));
    await secret.writeSecret("survives");
    proxy.addRule({
      match: (request) => request.path.endsWith(":access"),
      times: 1,
      action: unavailable,
    });
    expect(await secret.readSecret()).toBe("survives");
    const accesses = proxy.requests.filter((request) => request.path.endsWith(":access"));
    expect(accesses.map((request) => request.outcome)).toEqual(["responded", "forwarded"]);
  });

  it("gives up after its retries with GCP_REQUEST_FAILED naming the secret", async () => {
    const secret = proxied(freshName("down"));
    await secret.writeSecret("unreachable");
    proxy.addRule({ match: (request) => request.path.endsWith(":access"), action: unavailable });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("GCP_REQUEST_FAILED");
    expect(error.message).toContain(secret.secretName);
    expect(error.message).toContain("UNAVAILABLE");
    expect(proxy.requests.filter((request) => request.path.endsWith(":access"))).toHaveLength(3);
  });

  it("does not retry a missing secret: SECRET_NOT_FOUND names it after one request", async () => {
    const secret = proxied("missing-behind-proxy");
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_NOT_FOUND");
    expect(error.message).toContain('"missing-behind-proxy"');
    expect(error.message).toContain('project "secret-project"');
    expect(proxy.requests).toHaveLength(1);
  });

  it("does not retry a 403: SECRET_ACCESS_DENIED after one request", async () => {
    const secret = proxied(freshName("forbidden"));
    proxy.addRule({
      match: () => true,
      action: {
        kind: "respond",
        status: 403,
        headers: { "content-type": "application/json; charset=UTF-8" },
        body: JSON.stringify({
          error: {
            code: 403,
            message: "Permission 'secretmanager.versions.access' denied for resource.",
            status: "PERMISSION_DENIED",
          },
        }),
      },
    });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_ACCESS_DENIED");
    expect(proxy.requests).toHaveLength(1);
  });

  it("adds its version to the secret another writer created between its first try and its create", async () => {
    const name = freshName("created-meanwhile");
    const secret = proxied(name);
    // The other writer: the secret exists, but this writer's first add is answered as if it did
    // not yet, so its create meets ALREADY_EXISTS.
    const client = await secret.getClient();
    await client.createSecret({
      parent: "projects/secret-project",
      secretId: name,
      secret: { replication: { automatic: {} } },
    });
    const before = proxy.requests.length;
    proxy.addRule({
      match: (request) => request.path.endsWith(":addVersion"),
      times: 1,
      action: {
        kind: "respond",
        status: 404,
        headers: { "content-type": "application/json; charset=UTF-8" },
        body: JSON.stringify({
          error: { code: 404, message: `Secret [${name}] not found.`, status: "NOT_FOUND" },
        }),
      },
    });
    const version = await secret.writeSecret("mine");
    expect(version.endsWith(`/secrets/${name}/versions/1`)).toBe(true);
    expect(
      proxy.requests
        .slice(before)
        .map((request) => [request.method, request.outcome, request.status]),
    ).toEqual([
      ["POST", "responded", 404],
      ["POST", "forwarded", 409],
      ["POST", "forwarded", 200],
    ]);
    expect(await secret.readSecret()).toBe("mine");
  });

  it("refuses a payload whose bytes no longer match the CRC32C Secret Manager sent", async () => {
    const secret = proxied(freshName("altered"));
    await secret.writeSecret("original");
    proxy.addRule({
      match: (request) => request.path.endsWith(":access"),
      times: 1,
      action: {
        kind: "respond",
        status: 200,
        headers: { "content-type": "application/json; charset=UTF-8" },
        body: JSON.stringify({
          name: "projects/1/secrets/x/versions/1",
          payload: { data: Buffer.from("0riginal").toString("base64"), dataCrc32c: "12345" },
        }),
      },
    });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("GCP_REQUEST_FAILED");
    expect(error.message).toContain("CRC32C");
    expect(error.message).not.toContain("0riginal");
  });
});

describe("GcpSecret and its credentials", () => {
  it("fails with one coded error, and no unhandled rejection, when application-default credentials are missing", async () => {
    const previous = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = "/nonexistent/tessera-test-adc.json";
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const secret = new GcpSecret({
        secretName: "adc-secret",
        credentials: { project: "adc-project", secretManagerEndpoint: emulator.endpoint },
      });
      for (const attempt of [() => secret.readSecret(), () => secret.writeSecret("value")]) {
        const error = await errorOf(attempt);
        expect(error.code).toBe("GCP_REQUEST_FAILED");
        expect(error.message).toContain("No usable credentials were found");
        expect(error.message).toContain("adc-secret");
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", record);
      if (previous === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = previous;
    }
  });

  it("shares the Secret Manager client of equal credentials", async () => {
    const one = await secretBlock("a").getClient();
    const two = await new GcpSecret({
      secretName: "b",
      credentials: new GcpCredentials(credentials()),
    }).getClient();
    expect(two).toBe(one);
  });
});
