import { inspect } from "node:util";
import type { TesseraError } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConnectionString } from "../src/connection-string.js";
import { AzureBlobStorageCredentials, AzureCredentialsInvalidError } from "../src/index.js";

const accountKey = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXNzZXJhLXRlc3RzLW9ubHkhISE=";
const accountUrl = "https://acme.blob.core.windows.net";
const sasToken =
  "sv=2025-01-05&ss=b&srt=co&sp=rwdl&se=2030-01-01T00:00:00Z&sig=c2FzLXNpZ25hdHVyZQ%3D%3D";
const clientSecret = "client-secret-canary-7Q~x";
const connectionString = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${accountKey};EndpointSuffix=core.windows.net`;

let harness: TestHarness;
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the action to throw");
}

async function rejected(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the action to reject");
}

describe("AzureBlobStorageCredentials", () => {
  it("marks the connection string, account key, SAS token and client secret as secret fields", () => {
    expect([...AzureBlobStorageCredentials.secretFields].sort()).toEqual([
      "accountKey",
      "clientSecret",
      "connectionString",
      "sasToken",
    ]);
    const properties = (
      AzureBlobStorageCredentials.jsonSchema as {
        properties: Record<string, object>;
      }
    ).properties;
    expect(properties.connectionString).toMatchObject({ writeOnly: true, format: "password" });
    expect(properties.sasToken).toMatchObject({ writeOnly: true, format: "password" });
  });

  it("never prints a connection string, account key, SAS token or client secret", () => {
    const blocks = [
      new AzureBlobStorageCredentials({ connectionString }),
      new AzureBlobStorageCredentials({ accountUrl, accountKey }),
      new AzureBlobStorageCredentials({ accountUrl, sasToken }),
      new AzureBlobStorageCredentials({ accountUrl, tenantId: "t", clientId: "c", clientSecret }),
    ];
    const printed = blocks
      .flatMap((block) => [JSON.stringify(block), inspect(block, { depth: 10 })])
      .join("\n");
    for (const secret of [accountKey, sasToken, clientSecret, "sig="]) {
      expect(printed).not.toContain(secret);
    }
    expect(printed).toContain(accountUrl);
  });

  it("keeps every secret through a save and a load, encrypted in the store", async () => {
    await new AzureBlobStorageCredentials({ connectionString }).save("by-string");
    await new AzureBlobStorageCredentials({ accountUrl, sasToken }).save("by-sas");
    const byString = await AzureBlobStorageCredentials.load("by-string");
    const bySas = await AzureBlobStorageCredentials.load("by-sas");
    expect(await byString.connectionString?.reveal()).toBe(connectionString);
    expect(await bySas.sasToken?.reveal()).toBe(sasToken);
    for (const name of ["by-string", "by-sas"]) {
      const stored = JSON.stringify(
        await harness.store.get({ type: "azure-blob-storage-credentials", name }),
      );
      expect(stored).not.toContain(accountKey);
      expect(stored).not.toContain("sig=");
    }
  });

  it("names the one way each set of fields authenticates", () => {
    const modes = [
      new AzureBlobStorageCredentials({ connectionString }),
      new AzureBlobStorageCredentials({ accountUrl, accountKey }),
      new AzureBlobStorageCredentials({ accountUrl, sasToken }),
      new AzureBlobStorageCredentials({ accountUrl, tenantId: "t", clientId: "c", clientSecret }),
      new AzureBlobStorageCredentials({ accountUrl }),
    ].map((credentials) => credentials.authenticationMode);
    expect(modes).toEqual([
      "connection-string",
      "account-key",
      "sas-token",
      "service-principal",
      "default-identity",
    ]);
  });

  it("refuses the fields of two ways to authenticate, naming them, instead of picking one", () => {
    const mixes: [Record<string, unknown>, string[]][] = [
      [{ connectionString, accountUrl, accountKey }, ["connectionString", "accountKey"]],
      [{ accountUrl, accountKey, sasToken }, ["accountKey", "sasToken"]],
      [
        { accountUrl, sasToken, tenantId: "t", clientId: "c", clientSecret },
        ["sasToken", "tenantId", "clientId", "clientSecret"],
      ],
      [{ connectionString, sasToken }, ["connectionString", "sasToken"]],
    ];
    for (const [fields, named] of mixes) {
      const error = thrown(() => new AzureBlobStorageCredentials(fields as never));
      expect((error as TesseraError).code).toBe("VALIDATION_FAILED");
      for (const field of named) expect(error.message).toContain(field);
      expect(error.message).not.toContain(accountKey);
      expect(error.message).not.toContain(clientSecret);
    }
    const withUrl = thrown(() => new AzureBlobStorageCredentials({ connectionString, accountUrl }));
    expect(withUrl.message).toMatch(/accountUrl/);
  });

  it("refuses a service principal that lacks one of tenantId, clientId and clientSecret", () => {
    const error = thrown(
      () => new AzureBlobStorageCredentials({ accountUrl, tenantId: "t", clientSecret }),
    );
    expect(error.message).toMatch(/clientId missing/);
    expect(error.message).not.toContain(clientSecret);
    expect(() => new AzureBlobStorageCredentials({ accountUrl, clientId: "c" })).toThrow(
      /tenantId, clientSecret missing/,
    );
  });

  it("refuses no way to authenticate at all, and a key, token or principal without accountUrl", () => {
    expect(() => new AzureBlobStorageCredentials({})).toThrow(/choose one way to authenticate/);
    expect(() => new AzureBlobStorageCredentials({ accountKey })).toThrow(
      /accountKey needs accountUrl/,
    );
    expect(() => new AzureBlobStorageCredentials({ sasToken })).toThrow(
      /sasToken needs accountUrl/,
    );
  });

  it("refuses an account URL that carries a SAS token in its query, pointing to sasToken", () => {
    expect(
      () => new AzureBlobStorageCredentials({ accountUrl: `${accountUrl}/?${sasToken}` }),
    ).toThrow(/sasToken/);
  });

  it("refuses at save a malformed connection string, or one without an account, with a coded error that keeps the string secret", async () => {
    const cases: [string, RegExp][] = [
      ["not a connection string", /not a list of Name=value settings/],
      [`AccountKey=${accountKey};EndpointSuffix=core.windows.net`, /names no account/],
      ["AccountName=acme;EndpointSuffix=core.windows.net", /carries no credential/],
      [`AccountName=acme;AccountKey=not*base64!;`, /AccountKey is not base64/],
      [`AccountName=acme;AccountKey=${accountKey};Colour=blue`, /unknown setting "Colour"/],
      [`BlobEndpoint=${accountUrl};SharedAccessSignature=sv=2025-01-05`, /lacks the sig parameter/],
    ];
    for (const [value, reason] of cases) {
      const credentials = new AzureBlobStorageCredentials({ connectionString: value });
      const error = await rejected(() => credentials.save("bad"));
      expect(AzureCredentialsInvalidError.isInstance(error)).toBe(true);
      expect((error as AzureCredentialsInvalidError).field).toBe("connectionString");
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain(accountKey);
    }
    expect((await AzureBlobStorageCredentials.list()).items).toEqual([]);
  });

  it("checks a connection string given as a reference when the block is saved", async () => {
    process.env.AZURE_TEST_CONNECTION_STRING = "AccountName=acme";
    try {
      const credentials = new AzureBlobStorageCredentials({
        connectionString: { $reference: "env:AZURE_TEST_CONNECTION_STRING" },
      });
      const error = await rejected(() => credentials.save("from-env"));
      expect(AzureCredentialsInvalidError.isInstance(error)).toBe(true);
      process.env.AZURE_TEST_CONNECTION_STRING = connectionString;
      await credentials.save("from-env");
      expect((await AzureBlobStorageCredentials.list()).items.map((item) => item.name)).toEqual([
        "from-env",
      ]);
    } finally {
      delete process.env.AZURE_TEST_CONNECTION_STRING;
    }
  });

  it("refuses at save an account key that is not base64 and a SAS token without a signature", async () => {
    const badKey = await rejected(() =>
      new AzureBlobStorageCredentials({ accountUrl, accountKey: "not a key!" }).save("k"),
    );
    expect((badKey as AzureCredentialsInvalidError).field).toBe("accountKey");
    const badSas = await rejected(() =>
      new AzureBlobStorageCredentials({ accountUrl, sasToken: "https://acme/x?sv=1" }).save("s"),
    );
    expect((badSas as AzureCredentialsInvalidError).field).toBe("sasToken");
    expect(badSas.message).not.toContain("https://acme/x");
  });

  it("accepts the connection strings the portal, a SAS and Azurite give", async () => {
    const valid = [
      connectionString,
      `BlobEndpoint=${accountUrl}/;SharedAccessSignature=?${sasToken}`,
      "UseDevelopmentStorage=true",
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
    ];
    for (const [index, value] of valid.entries()) {
      await new AzureBlobStorageCredentials({ connectionString: value }).save(`ok-${index}`);
    }
    expect(parseConnectionString(valid[0] as string)).toEqual({
      kind: "account-key",
      blobEndpoint: accountUrl,
      accountName: "acme",
      accountKey,
    });
    expect(parseConnectionString(valid[1] as string)).toEqual({
      kind: "sas-token",
      blobEndpoint: accountUrl,
      sasToken,
    });
  });

  it("parses any text into an endpoint and credential or a coded error that never repeats a value", () => {
    const settingName = fc.constantFrom(
      "AccountName",
      "AccountKey",
      "BlobEndpoint",
      "SharedAccessSignature",
      "EndpointSuffix",
      "DefaultEndpointsProtocol",
      "UseDevelopmentStorage",
      "Other",
    );
    const value = fc
      .string({ minLength: 6, maxLength: 30 })
      .map((text) => `V${text.replace(/[;=]/g, "")}Z`);
    const connection = fc.array(fc.tuple(settingName, value), { maxLength: 6 });
    fc.assert(
      fc.property(connection, fc.string(), (settings, noise) => {
        for (const text of [settings.map(([name, v]) => `${name}=${v}`).join(";"), noise]) {
          try {
            parseConnectionString(text);
          } catch (error) {
            expect(AzureCredentialsInvalidError.isInstance(error)).toBe(true);
            for (const [, v] of settings) expect((error as Error).message).not.toContain(v);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
