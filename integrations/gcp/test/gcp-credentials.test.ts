import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { defineBlock, TesseraError, ValidationFailedError, z } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import { errorOf } from "@tessera/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GcpCredentials, GcpServiceAccountFileError } from "../src/index.js";
import { serviceAccountKeyFile } from "./service-account.js";

const key = serviceAccountKeyFile();

let harness: TestHarness;
let folder: string;
beforeEach(async () => {
  harness = await createTestHarness();
  folder = await mkdtemp(join(tmpdir(), "tessera-gcp-credentials-"));
});
afterEach(async () => {
  await harness.cleanup();
  await rm(folder, { recursive: true, force: true });
});

/** A block that nests credentials, as GcsBucket and GcpSecret do. */
class NestingBlock extends defineBlock({
  type: "gcp-credentials-test-nesting",
  schema: z.object({ credentials: GcpCredentials.field().prefault({}) }),
}) {}

function validationProblems(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("expected a validation error");
}

describe("GcpCredentials", () => {
  it("marks serviceAccountInfo as a secret field and never prints the key", () => {
    expect([...GcpCredentials.secretFields]).toEqual(["serviceAccountInfo"]);
    const credentials = new GcpCredentials({ serviceAccountInfo: key, project: "example-project" });
    const printed = [
      JSON.stringify(credentials),
      inspect(credentials, { depth: 10 }),
      String(credentials.serviceAccountInfo),
    ].join("\n");
    expect(printed).not.toContain("PRIVATE KEY");
    expect(printed).not.toContain(key.client_email);
    expect(printed).toContain("example-project");
  });

  it("accepts the key as a JSON object or as the key file's text, and keeps it encrypted in the store", async () => {
    await new GcpCredentials({ serviceAccountInfo: JSON.stringify(key) }).save("from-text");
    await new GcpCredentials({ serviceAccountInfo: key }).save("from-object");
    for (const name of ["from-text", "from-object"]) {
      const loaded = await GcpCredentials.load(name);
      expect(await loaded.serviceAccountKey()).toEqual(key);
      expect(await loaded.projectId()).toBe("example-project");
      const stored = await harness.store.get({ type: "gcp-credentials", name });
      expect(JSON.stringify(stored)).not.toContain("PRIVATE KEY");
      expect(JSON.stringify(stored)).not.toContain(key.client_email);
    }
  });

  it("refuses a key that lacks private_key or client_email, naming what is missing and never the key", () => {
    const { private_key: _, ...withoutPrivateKey } = key;
    const message = validationProblems(
      () => new GcpCredentials({ serviceAccountInfo: withoutPrivateKey }),
    );
    expect(message).toContain("serviceAccountInfo");
    expect(message).toContain("lacks private_key");
    expect(message).not.toContain(key.client_email);
    const { client_email: __, ...withoutEmail } = key;
    const both = validationProblems(
      () => new GcpCredentials({ serviceAccountInfo: JSON.stringify({ type: "service_account" }) }),
    );
    expect(both).toContain("lacks client_email and private_key");
    expect(
      validationProblems(() => new GcpCredentials({ serviceAccountInfo: withoutEmail })),
    ).toContain("lacks client_email");
    expect(
      validationProblems(() => new GcpCredentials({ serviceAccountInfo: "{not json" })),
    ).toMatch(/is not JSON/);
  });

  it("checks the key when credentials are nested inline in another block and when a changed block is saved", async () => {
    const { private_key: _, ...withoutPrivateKey } = key;
    expect(
      validationProblems(
        () => new NestingBlock({ credentials: { serviceAccountInfo: withoutPrivateKey } }),
      ),
    ).toContain("lacks private_key");
    const credentials = new GcpCredentials({});
    (credentials as { serviceAccountInfo: unknown }).serviceAccountInfo = withoutPrivateKey;
    const error = await errorOf(() => credentials.save("changed"));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("lacks private_key");
  });

  it("refuses serviceAccountInfo and serviceAccountFile together", () => {
    const message = validationProblems(
      () =>
        new GcpCredentials({ serviceAccountInfo: key, serviceAccountFile: "/keys/service.json" }),
    );
    expect(message).toContain("not both");
  });

  it("loads a block whose key file is missing on this machine, and names the file when a client needs it", async () => {
    const missing = join(folder, "absent.json");
    await new GcpCredentials({ serviceAccountFile: missing }).save("worker");
    const loaded = await GcpCredentials.load("worker");
    const error = await errorOf(() => loaded.getStorage());
    expect(GcpServiceAccountFileError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "GCP_SERVICE_ACCOUNT_FILE_UNUSABLE", path: missing });
    expect(error.message).toContain("no such file on this machine");
  });

  it("reads a key file when a client is made, and refuses one that lacks a field", async () => {
    const good = join(folder, "good.json");
    await writeFile(good, JSON.stringify(key));
    expect(await new GcpCredentials({ serviceAccountFile: good }).serviceAccountKey()).toEqual(key);
    const partial = join(folder, "partial.json");
    await writeFile(partial, JSON.stringify({ type: "service_account", private_key: "x" }));
    const error = await errorOf(() =>
      new GcpCredentials({ serviceAccountFile: partial }).getStorage(),
    );
    expect(error.code).toBe("GCP_SERVICE_ACCOUNT_FILE_UNUSABLE");
    expect(error.message).toContain("lacks client_email");
  });

  it("uses application-default credentials when no key is given, without an error", async () => {
    const credentials = new GcpCredentials({ project: "example-project" });
    expect(await credentials.serviceAccountKey()).toBeUndefined();
    const options = await credentials.storageOptions();
    expect(options).not.toHaveProperty("credentials");
    expect(options).toMatchObject({ projectId: "example-project" });
    const storage = await credentials.getStorage();
    expect(storage.projectId).toBe("example-project");
    const secretOptions = await credentials.secretManagerOptions();
    expect(secretOptions).toMatchObject({ fallback: true, projectId: "example-project" });
    expect(secretOptions).not.toHaveProperty("credentials");
  });

  it("points Secret Manager's HTTP/JSON transport at a custom endpoint", async () => {
    const options = await new GcpCredentials({
      secretManagerEndpoint: "http://127.0.0.1:8123",
    }).secretManagerOptions();
    expect(options).toMatchObject({
      fallback: true,
      apiEndpoint: "127.0.0.1",
      port: 8123,
      protocol: "http",
    });
  });

  it("shares one client between equal credentials and makes another when a field differs", async () => {
    const first = await new GcpCredentials({ serviceAccountInfo: key }).getStorage();
    const second = await new GcpCredentials({ serviceAccountInfo: { ...key } }).getStorage();
    expect(second).toBe(first);
    const other = await new GcpCredentials({
      serviceAccountInfo: key,
      apiEndpoint: "http://127.0.0.1:1",
    }).getStorage();
    expect(other).not.toBe(first);
    expect(await new GcpCredentials({ serviceAccountInfo: key }).cacheKey()).not.toContain(
      key.client_email,
    );
  });

  it("refuses an endpoint that is not an http(s) URL", () => {
    expect(() => new GcpCredentials({ apiEndpoint: "gs://bucket" })).toThrow(TesseraError);
  });
});
