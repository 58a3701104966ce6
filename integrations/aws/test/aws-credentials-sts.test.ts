import { ValidationFailedError } from "@tessera/core";
import { createTestHarness, type TestHarness } from "@tessera/core/testing";
import {
  emulatorCredentials,
  type FaultProxy,
  freshFolder,
  S3RVER_CREDENTIALS,
  type S3Server,
  type StsEmulator,
  startFaultProxy,
  startS3Server,
  startStsEmulator,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AssumeRoleFailedError, AwsCredentials, S3Bucket } from "../src/index.js";

const bucketName = "assume-role";
const roleArn = "arn:aws:iam::123456789012:role/ResultsWriter";
const deniedRoleArn = "arn:aws:iam::123456789012:role/NotForYou";
const baseAccessKeyId = "AKIABASEEXAMPLE";
const baseSecretAccessKey = "base-secret-EXAMPLEKEY-never-printed";
let s3: S3Server;
let proxy: FaultProxy;
let sts: StsEmulator;
let harness: TestHarness;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [bucketName] });
  proxy = await startFaultProxy(s3.endpoint);
  // The issued keys are the ones s3rver accepts, so S3 requests signed with them succeed.
  sts = await startStsEmulator({
    issue: { ...S3RVER_CREDENTIALS, sessionToken: "issued-session-token" },
    deniedRoleArns: [deniedRoleArn],
  });
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  await sts?.stop();
});
beforeEach(async () => {
  harness = await createTestHarness();
});
afterEach(async () => {
  proxy.reset();
  sts.requests.length = 0;
  await harness.cleanup();
});

function assumingRole(role: string) {
  return {
    ...emulatorCredentials(proxy.endpoint, 1),
    accessKeyId: baseAccessKeyId,
    secretAccessKey: baseSecretAccessKey,
    stsEndpoint: sts.endpoint,
    assumeRoleArn: role,
    externalId: "ext-42",
    roleSessionName: "nightly-run",
    durationSeconds: 1800,
  };
}

describe("AwsCredentials with assumeRoleArn", () => {
  it("signs S3 requests with the temporary credentials STS issued for the role", async () => {
    const bucket = new S3Bucket({
      bucketName,
      bucketFolder: freshFolder("sts"),
      credentials: assumingRole(roleArn),
    });
    await bucket.writePath("hello.txt", new TextEncoder().encode("hi"));
    expect(new TextDecoder().decode(await bucket.readPath("hello.txt"))).toBe("hi");

    expect(sts.requests).toHaveLength(1);
    const [call] = sts.requests;
    expect(call?.params).toMatchObject({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: roleArn,
      ExternalId: "ext-42",
      RoleSessionName: "nightly-run",
      DurationSeconds: "1800",
    });
    expect(call?.headers.authorization).toContain(`Credential=${baseAccessKeyId}/`);

    const s3Requests = proxy.requests.filter((request) => request.outcome === "forwarded");
    expect(s3Requests.length).toBeGreaterThanOrEqual(2);
    for (const request of s3Requests) {
      expect(request.headers.authorization).toContain(`Credential=${sts.issued.accessKeyId}/`);
      expect(request.headers.authorization).not.toContain(baseAccessKeyId);
      expect(request.headers["x-amz-security-token"]).toBe("issued-session-token");
    }
  });

  it("uses the session name tessera when none is given", async () => {
    const { roleSessionName: _name, ...fields } = assumingRole(roleArn);
    const credentials = new AwsCredentials(fields);
    expect(credentials.roleSessionName).toBe("tessera");
    const client = await credentials.getS3Client();
    await client.config.credentials();
    expect(sts.requests[0]?.params.RoleSessionName).toBe("tessera");
  });

  it("turns an AccessDenied from STS into AWS_ASSUME_ROLE_FAILED naming the role and no secret", async () => {
    const bucket = new S3Bucket({
      bucketName,
      bucketFolder: freshFolder("sts"),
      credentials: assumingRole(deniedRoleArn),
    });
    const error = await bucket.readPath("anything.txt").then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(AssumeRoleFailedError.isInstance(error)).toBe(true);
    const failed = error as AssumeRoleFailedError;
    expect(failed.code).toBe("AWS_ASSUME_ROLE_FAILED");
    expect(failed.roleArn).toBe(deniedRoleArn);
    expect(failed.awsCode).toBe("AccessDenied");
    expect(failed.message).toContain(deniedRoleArn);
    expect(failed.message).not.toContain(baseSecretAccessKey);
    expect(JSON.stringify(failed)).not.toContain(baseSecretAccessKey);
    expect(proxy.requests).toHaveLength(0);
  });

  it("refuses a durationSeconds outside 900 to 43200 and role options without a role", () => {
    expect(() => new AwsCredentials({ assumeRoleArn: roleArn, durationSeconds: 899 })).toThrow(
      /durationSeconds/,
    );
    expect(() => new AwsCredentials({ assumeRoleArn: roleArn, durationSeconds: 43_201 })).toThrow(
      /durationSeconds/,
    );
    expect(() => new AwsCredentials({ externalId: "ext-42" })).toThrow(/assumeRoleArn/);
  });
});

describe("AwsCredentials with anonymous", () => {
  it("sends S3 requests without an Authorization header and reads a public object", async () => {
    const folder = freshFolder("public");
    await new S3Bucket({
      bucketName,
      bucketFolder: folder,
      credentials: emulatorCredentials(s3.endpoint, 1),
    }).writePath("open.txt", new TextEncoder().encode("public data"));

    const {
      accessKeyId: _id,
      secretAccessKey: _key,
      ...unsignedFields
    } = emulatorCredentials(proxy.endpoint, 1);
    const bucket = new S3Bucket({
      bucketName,
      bucketFolder: folder,
      credentials: { ...unsignedFields, anonymous: true },
    });
    expect(new TextDecoder().decode(await bucket.readPath("open.txt"))).toBe("public data");
    expect(proxy.requests.length).toBeGreaterThan(0);
    for (const request of proxy.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.query.has("X-Amz-Signature")).toBe(false);
    }
  });

  it("refuses anonymous together with keys, a profile or a role with VALIDATION_FAILED naming the fields, on construction and on save", async () => {
    const onConstruction = (() => {
      try {
        return new AwsCredentials({
          anonymous: true,
          accessKeyId: baseAccessKeyId,
          secretAccessKey: baseSecretAccessKey,
          profile: "analytics",
          assumeRoleArn: roleArn,
        });
      } catch (error) {
        return error;
      }
    })();
    expect(ValidationFailedError.isInstance(onConstruction)).toBe(true);
    const message = (onConstruction as Error).message;
    for (const field of ["accessKeyId", "secretAccessKey", "profile", "assumeRoleArn"]) {
      expect(message).toContain(field);
    }
    expect(message).not.toContain(baseSecretAccessKey);

    const credentials = new AwsCredentials({ profile: "analytics" });
    credentials.anonymous = true;
    const onSave = await credentials.save("public").catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(onSave)).toBe(true);
    expect((onSave as Error).message).toContain("profile");
    expect(await harness.store.get({ type: "aws-credentials", name: "public" })).toBeUndefined();
  });
});
