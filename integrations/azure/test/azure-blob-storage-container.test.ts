import { Readable } from "node:stream";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { ResultStore } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  AZURITE_ACCOUNT,
  type FaultAction,
  type FaultProxy,
  freshFolder,
  startFaultProxy,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AzureAuthorizationError,
  AzureBlobStorageContainer,
  AzureContainerNotFoundError,
} from "../src/index.js";
import { type TestAzurite, useAzurite } from "./azurite.js";

let azurite: TestAzurite;
let proxy: FaultProxy;
let service: BlobServiceClient;
useAzurite(async (started) => {
  azurite = started;
  proxy = await startFaultProxy(azurite.endpoint);
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await proxy?.stop();
});

let harness: TestHarness;
beforeEach(async () => {
  harness = await createTestHarness();
  proxy.reset();
});
afterEach(async () => {
  await harness.cleanup();
});

/** Retries without the SDK's 4-second backoff, so fault tests stay quick. */
const quickRetries = { maxTries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 50 };

/** A container of Azurite reached through the fault proxy, with the development key. */
function throughProxy(fields: Record<string, unknown> = {}) {
  return new AzureBlobStorageContainer({
    containerName: "results",
    baseFolder: freshFolder("proxied"),
    credentials: {
      accountUrl: `${proxy.endpoint}/${AZURITE_ACCOUNT.accountName}`,
      accountKey: AZURITE_ACCOUNT.accountKey,
      retryOptions: quickRetries,
    },
    ...fields,
  });
}

function accountSas(permissions: string, resourceTypes = "sco"): string {
  return generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3_600_000),
      permissions: AccountSASPermissions.parse(permissions),
      resourceTypes: AccountSASResourceTypes.parse(resourceTypes).toString(),
      services: AccountSASServices.parse("b").toString(),
    },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey),
  ).toString();
}

function azureError(status: number, code: string, message: string): FaultAction {
  return {
    kind: "respond",
    status,
    headers: { "content-type": "application/xml", "x-ms-error-code": code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

async function rejected(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the action to reject");
}

const isBlockUpload = (request: { method: string; query: URLSearchParams }) =>
  request.method === "PUT" && request.query.get("comp") === "block";
const isCommit = (request: { method: string; query: URLSearchParams }) =>
  request.method === "PUT" && request.query.get("comp") === "blocklist";

describe("AzureBlobStorageContainer", () => {
  it("writes over an existing blob: writePath is an upsert, for small and staged content", async () => {
    const container = throughProxy({ maxSingleShotBytes: 1024, blockSizeBytes: 256 * 1024 });
    await container.writePath("report.json", '{"v":1}');
    await container.writePath("report.json", '{"v":2}');
    expect(Buffer.from(await container.readPath("report.json")).toString()).toBe('{"v":2}');
    await container.writePath("big.bin", Buffer.alloc(600 * 1024, 1));
    await container.writePath("big.bin", Readable.from([Buffer.alloc(700 * 1024, 2)]));
    const read = Buffer.from(await container.readPath("big.bin"));
    expect(read.equals(Buffer.alloc(700 * 1024, 2))).toBe(true);
  });

  it("sends small content in one request and stages larger content in blocks, then commits", async () => {
    const container = throughProxy({ maxSingleShotBytes: 64 * 1024, blockSizeBytes: 64 * 1024 });
    await container.writePath("small.bin", Buffer.alloc(64 * 1024, 1));
    const single = proxy.requests.filter((request) => request.method === "PUT");
    expect(single).toHaveLength(1);
    expect(single[0]?.query.get("comp")).toBeNull();
    proxy.reset();
    await container.writePath("large.bin", Buffer.alloc(64 * 1024 * 5 + 1, 2));
    expect(proxy.requests.filter(isBlockUpload)).toHaveLength(6);
    expect(proxy.requests.filter(isCommit)).toHaveLength(1);
    const blockSizes = proxy.requests
      .filter(isBlockUpload)
      .map((request) => Number(request.headers["content-length"]));
    expect(Math.max(...blockSizes)).toBeLessThanOrEqual(64 * 1024);
  });

  it("skips folder placeholder blobs when listing and downloading a folder", async () => {
    const container = throughProxy();
    await container.writePath("data/a.json", "{}");
    const raw = service.getContainerClient("results");
    await raw.getBlockBlobClient(`${container.baseFolder}/data/`).upload("", 0);
    await raw
      .getBlockBlobClient(`${container.baseFolder}/data/sub`)
      .upload("", 0, { metadata: { hdi_isfolder: "true" } });
    expect((await container.listBlobs("data")).map((entry) => entry.path)).toEqual(["data/a.json"]);
    const listed: string[] = [];
    for await (const entry of container.list()) listed.push(entry.path);
    expect(listed).toEqual(["data/a.json"]);
  });

  it("refuses a container that does not exist with a coded error naming it, on every operation", async () => {
    const missing = throughProxy({ containerName: "no-such-container" });
    for (const action of [
      () => missing.writePath("a.txt", "x"),
      () => missing.writePath("b.bin", Readable.from([Buffer.alloc(5 << 20)])),
      () => missing.readPath("a.txt"),
      () => missing.exists("a.txt"),
      () => missing.listBlobs(),
    ]) {
      const error = await rejected(action);
      expect(AzureContainerNotFoundError.isInstance(error)).toBe(true);
      expect(error.message).toContain('"no-such-container"');
    }
  });

  it("copies and moves blobs on the service side, within and across containers", async () => {
    const container = throughProxy();
    const archive = throughProxy({ containerName: "other" });
    await container.writePath("a.txt", "alpha");
    await container.copyObject("a.txt", "b.txt");
    await container.moveObject("b.txt", "moved.txt", { toContainer: archive });
    expect(Buffer.from(await archive.readPath("moved.txt")).toString()).toBe("alpha");
    expect(await container.exists("b.txt")).toBe(false);
    expect(await container.exists("a.txt")).toBe(true);
    expect(proxy.requests.some((request) => request.headers["x-ms-copy-source"])).toBe(true);
  });

  it("stores and reads results through ResultStore, from an instance and from the saved slug", async () => {
    const container = throughProxy();
    await new ResultStore({ storage: container }).put("report", { rows: 42 });
    await container.save("results");
    const store = new ResultStore({ storage: "azure-blob-storage-container/results" });
    expect(await store.get("report")).toEqual({ rows: 42 });
  });
});

describe("authentication against Azurite", () => {
  it("authenticates with a connection string", async () => {
    const container = new AzureBlobStorageContainer({
      containerName: "results",
      baseFolder: freshFolder("by-string"),
      credentials: { connectionString: azurite.connectionStringVia(proxy.endpoint) },
    });
    await container.writePath("x.txt", "by connection string");
    expect(Buffer.from(await container.readPath("x.txt")).toString()).toBe("by connection string");
    expect(proxy.requests[0]?.headers.authorization).toMatch(/^SharedKey devstoreaccount1:/);
  });

  it("authenticates with an account URL and an account key, reading the account name from the URL", async () => {
    const container = throughProxy();
    await container.writePath("x.txt", "by key");
    expect(Buffer.from(await container.readPath("x.txt")).toString()).toBe("by key");
    expect(proxy.requests[0]?.headers.authorization).toMatch(/^SharedKey devstoreaccount1:/);
  });

  it("sends a SAS token as the query of each request, never in the path or in the client's URL", async () => {
    const sasToken = accountSas("rwdlac");
    const container = new AzureBlobStorageContainer({
      containerName: "results",
      baseFolder: freshFolder("by-sas"),
      credentials: { accountUrl: `${proxy.endpoint}/devstoreaccount1`, sasToken: `?${sasToken}` },
    });
    await container.writePath("x.txt", "by sas");
    expect(Buffer.from(await container.readPath("x.txt")).toString()).toBe("by sas");
    expect((await container.listBlobs()).map((entry) => entry.path)).toEqual(["x.txt"]);
    const signature = new URLSearchParams(sasToken).get("sig");
    expect(proxy.requests.length).toBeGreaterThan(2);
    for (const request of proxy.requests) {
      expect(request.query.get("sig")).toBe(signature);
      expect(request.path).not.toContain("sig");
      expect(request.headers.authorization).toBeUndefined();
    }
    expect((await container.getContainerClient()).url).not.toContain("sig");
  });

  it("says the SAS lacks the permission when Azure answers AuthorizationPermissionMismatch", async () => {
    const readOnly = new AzureBlobStorageContainer({
      containerName: "results",
      baseFolder: freshFolder("read-only"),
      credentials: { accountUrl: azurite.accountUrl, sasToken: accountSas("rl") },
    });
    const error = await rejected(() => readOnly.writePath("x.txt", "no"));
    expect(AzureAuthorizationError.isInstance(error)).toBe(true);
    expect(error.message).toContain('"results"');
    expect(error.message).toContain("AuthorizationPermissionMismatch");
    expect(error.message).toMatch(/SAS token or the identity's role lacks this permission/);
  });
});

describe("faults through the fault proxy", () => {
  it("retries a 503 twice and then succeeds, with one blob written", async () => {
    const container = throughProxy();
    proxy.addRule({
      match: (request) => request.method === "PUT",
      times: 2,
      action: azureError(503, "ServerBusy", "The server is busy."),
    });
    await container.writePath("busy.txt", "eventually");
    expect(Buffer.from(await container.readPath("busy.txt")).toString()).toBe("eventually");
    const puts = proxy.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.status)).toEqual([503, 503, 201]);
  });

  it("leaves the previous blob intact and commits nothing when the connection is cut mid-upload", async () => {
    const container = throughProxy({ maxSingleShotBytes: 64 * 1024, blockSizeBytes: 128 * 1024 });
    const previous = Buffer.alloc(300 * 1024, 7);
    await container.writePath("kept.bin", previous);
    proxy.reset();
    proxy.addRule({ match: isBlockUpload, action: { kind: "cut", afterBytes: 32 * 1024 } });
    for (const path of ["kept.bin", "fresh.bin"]) {
      const error = await rejected(() =>
        container.writePath(path, Readable.from([Buffer.alloc(512 * 1024, 9)])),
      );
      expect(error.message).toContain(path);
    }
    expect(proxy.requests.some((request) => request.outcome === "cut")).toBe(true);
    expect(proxy.requests.filter(isCommit)).toHaveLength(0);
    proxy.reset();
    expect(Buffer.from(await container.readPath("kept.bin")).equals(previous)).toBe(true);
    expect(await container.exists("fresh.bin")).toBe(false);
    expect((await container.listBlobs()).map((entry) => entry.path)).toEqual(["kept.bin"]);
  });

  it("refuses a wrong account key with a coded authorization error that names the container, not the key", async () => {
    const wrongKey = Buffer.alloc(64, 3).toString("base64");
    const container = throughProxy({
      credentials: {
        accountUrl: `${proxy.endpoint}/devstoreaccount1`,
        accountKey: wrongKey,
        retryOptions: quickRetries,
      },
    });
    const error = await rejected(() => container.writePath("x.txt", "no"));
    expect(AzureAuthorizationError.isInstance(error)).toBe(true);
    // Azure answers AuthenticationFailed; Azurite, AuthorizationFailure.
    expect(["AuthenticationFailed", "AuthorizationFailure"]).toContain(
      (error as AzureAuthorizationError).azureCode,
    );
    expect(error.message).toContain('"results"');
    expect(error.message).not.toContain(wrongKey);
    expect(proxy.requests).toHaveLength(1);
  });
});
