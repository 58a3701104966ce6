import { inspect } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { defineBlock, SecretValue, TesseraError, z } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsCredentials } from "../src/index.js";

const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const sessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

let harness: TestHarness;
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

describe("AwsCredentials", () => {
  it("marks the secret access key and the session token as secret fields", () => {
    expect([...AwsCredentials.secretFields].sort()).toEqual(["secretAccessKey", "sessionToken"]);
    const properties = (AwsCredentials.jsonSchema as { properties: Record<string, object> })
      .properties;
    expect(properties.sessionToken).toMatchObject({ writeOnly: true, format: "password" });
    expect(properties.secretAccessKey).toMatchObject({ writeOnly: true, format: "password" });
  });

  it("never prints the secret access key or the session token", () => {
    const credentials = new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey,
      sessionToken,
    });
    const printed = [
      JSON.stringify(credentials),
      inspect(credentials, { depth: 10 }),
      String(credentials.secretAccessKey),
      `${credentials.sessionToken}`,
    ].join("\n");
    expect(printed).not.toContain(secretAccessKey);
    expect(printed).not.toContain(sessionToken);
    expect(printed).toContain("AKIAEXAMPLE");
  });

  it("keeps both secrets through a save and a load, encrypted in the store", async () => {
    await new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey,
      sessionToken,
      region: "eu-west-1",
    }).save("prod");
    const loaded = await AwsCredentials.load("prod");
    expect(await loaded.secretAccessKey?.reveal()).toBe(secretAccessKey);
    expect(await loaded.sessionToken?.reveal()).toBe(sessionToken);
    expect(loaded.region).toBe("eu-west-1");
    const stored = await harness.store.get({ type: "aws-credentials", name: "prod" });
    expect(JSON.stringify(stored)).not.toContain(secretAccessKey);
    expect(JSON.stringify(stored)).not.toContain(sessionToken);
  });

  it("refuses a secret access key without its access key id, and a session token without keys", () => {
    expect(() => new AwsCredentials({ secretAccessKey })).toThrow(/accessKeyId/);
    expect(() => new AwsCredentials({ accessKeyId: "AKIAEXAMPLE" })).toThrow(/secretAccessKey/);
    expect(() => new AwsCredentials({ sessionToken })).toThrow(/sessionToken/);
    try {
      new AwsCredentials({ accessKeyId: "AKIAEXAMPLE", sessionToken });
    } catch (error) {
      expect(TesseraError.isInstance(error)).toBe(true);
      expect((error as Error).message).not.toContain(sessionToken);
    }
  });

  it("leaves credentials to the SDK's default provider chain when no keys are given", async () => {
    const configuration = await new AwsCredentials({ region: "us-west-2" }).clientConfiguration();
    expect(configuration).toEqual({ region: "us-west-2" });
    const withProfile = await new AwsCredentials({ profile: "analytics" }).clientConfiguration();
    expect(withProfile).toEqual({ profile: "analytics" });
  });

  it("passes keys, endpoint, path style, retries, timeouts and checksum modes to the client", async () => {
    const configuration = await new AwsCredentials({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey,
      sessionToken,
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      clientOptions: {
        maxAttempts: 5,
        retryMode: "adaptive",
        connectionTimeoutMs: 1000,
        requestTimeoutMs: 2000,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      },
    }).clientConfiguration();
    expect(configuration).toEqual({
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey, sessionToken },
      maxAttempts: 5,
      retryMode: "adaptive",
      requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  });

  it("shares one client between equal credentials and makes another for different ones", async () => {
    const fields = { accessKeyId: "AKIAEXAMPLE", secretAccessKey, region: "eu-west-1" };
    const first = await new AwsCredentials(fields).getClient(S3Client);
    const second = await new AwsCredentials({ ...fields }).getClient(S3Client);
    expect(second).toBe(first);
    expect(await new AwsCredentials(fields).getS3Client()).toBe(first);
    const otherSecret = await new AwsCredentials({ ...fields, secretAccessKey: "other" }).getClient(
      S3Client,
    );
    expect(otherSecret).not.toBe(first);
    const otherRegion = await new AwsCredentials({ ...fields, region: "us-east-1" }).getClient(
      S3Client,
    );
    expect(otherRegion).not.toBe(first);
    const secretsManager = await new AwsCredentials(fields).getClient(SecretsManagerClient);
    expect(secretsManager).toBeInstanceOf(SecretsManagerClient);
    expect(await new AwsCredentials(fields).getSecretsManagerClient()).toBe(secretsManager);
    expect(await (await first.config.credentials()).secretAccessKey).toBe(secretAccessKey);
  });

  it("gives different clients to configurations that differ only in a field added to the schema", async () => {
    class TaggedCredentials extends defineBlock({
      type: "test-tagged-aws-credentials",
      schema: AwsCredentials.schema.safeExtend({ tag: z.string().optional() }),
    }) {
      clientConfiguration(): Promise<Record<string, unknown>> {
        return AwsCredentials.prototype.clientConfiguration.call(this);
      }
      getClient<Client>(ClientClass: new (configuration: never) => Client): Promise<Client> {
        return AwsCredentials.prototype.getClient.call(this, ClientClass) as Promise<Client>;
      }
    }
    const fields = { accessKeyId: "AKIAEXAMPLE", secretAccessKey, region: "eu-west-1" };
    const blue = await new TaggedCredentials({ ...fields, tag: "blue" }).getClient(S3Client);
    const green = await new TaggedCredentials({ ...fields, tag: "green" }).getClient(S3Client);
    expect(green).not.toBe(blue);
    expect(await new TaggedCredentials({ ...fields, tag: "blue" }).getClient(S3Client)).toBe(blue);
  });

  it("hashes the credentials stably without holding a secret in clear", async () => {
    const fields = { accessKeyId: "AKIAEXAMPLE", secretAccessKey, sessionToken };
    const key = await new AwsCredentials(fields).cacheKey();
    expect(await new AwsCredentials({ ...fields }).cacheKey()).toBe(key);
    expect(await new AwsCredentials({ ...fields, sessionToken: "other" }).cacheKey()).not.toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(Buffer.from(secretAccessKey).toString("hex").slice(0, 16));
  });

  it("reveals a secret access key given as a SecretValue or an environment reference", async () => {
    process.env.TEST_TESSERA_AWS_SECRET = secretAccessKey;
    try {
      const fromReference = new AwsCredentials({
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: { $reference: "env:TEST_TESSERA_AWS_SECRET" },
      });
      const configuration = await fromReference.clientConfiguration();
      expect(configuration.credentials).toEqual({ accessKeyId: "AKIAEXAMPLE", secretAccessKey });
      const fromValue = new AwsCredentials({
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: SecretValue.from(secretAccessKey),
      });
      expect(await fromValue.cacheKey()).toBe(await fromReference.cacheKey());
    } finally {
      delete process.env.TEST_TESSERA_AWS_SECRET;
    }
  });
});
