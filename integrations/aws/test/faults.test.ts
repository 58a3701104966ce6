import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { inspect, promisify } from "node:util";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import {
  emulatorCredentials,
  errorOf,
  type FaultProxy,
  freshFolder,
  jsonErrorResponse,
  type ProxiedRequest,
  type S3Server,
  type SecretsManagerEmulator,
  s3ErrorResponse,
  startFaultProxy,
  startS3Server,
  startSecretsManagerEmulator,
} from "@tessera/test-servers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsSecret, S3Bucket } from "../src/index.js";

const run = promisify(execFile);
const testDirectory = fileURLToPath(new URL(".", import.meta.url));
const bucketName = "faults";
let s3: S3Server;
let s3Proxy: FaultProxy;
let secretsManager: SecretsManagerEmulator;
let secretsProxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [bucketName] });
  s3Proxy = await startFaultProxy(s3.endpoint);
  secretsManager = await startSecretsManagerEmulator();
  secretsProxy = await startFaultProxy(secretsManager.endpoint);
});
afterAll(async () => {
  await s3Proxy?.stop();
  await s3?.stop();
  await secretsProxy?.stop();
  await secretsManager?.stop();
});
afterEach(() => {
  s3Proxy.reset();
  secretsProxy.reset();
});

function bucketBehindProxy(overrides: { bucketName?: string; partSizeBytes?: number } = {}) {
  return new S3Bucket({
    bucketName,
    bucketFolder: freshFolder("faults"),
    credentials: emulatorCredentials(s3Proxy.endpoint, 3),
    ...overrides,
  });
}

const isPut = (request: ProxiedRequest) =>
  request.method === "PUT" && !request.query.has("partNumber");
const isGet = (request: ProxiedRequest) =>
  request.method === "GET" && request.path.split("/").length > 2;
const isUploadPart = (request: ProxiedRequest) =>
  request.method === "PUT" && request.query.has("partNumber");

describe("S3Bucket through a faulty network", () => {
  it("writes and reads through two 503 SlowDown answers, retried by the SDK", async () => {
    const bucket = bucketBehindProxy();
    const slowDown = s3ErrorResponse(503, "SlowDown", "Please reduce your request rate.");
    s3Proxy.addRule({ match: isPut, times: 2, action: slowDown });
    await bucket.writePath("retried.txt", "made it");
    expect(s3Proxy.requests.filter(isPut).map((request) => request.outcome)).toEqual([
      "responded",
      "responded",
      "forwarded",
    ]);

    s3Proxy.addRule({ match: isGet, times: 2, action: slowDown });
    expect(Buffer.from(await bucket.readPath("retried.txt")).toString()).toBe("made it");
    expect(s3Proxy.requests.filter(isGet).map((request) => request.status)).toEqual([
      503, 503, 200,
    ]);
  });

  it("aborts a multipart upload whose connection is cut, leaving the previous object and no open upload", async () => {
    const bucket = bucketBehindProxy({ partSizeBytes: 5 << 20 });
    await bucket.writePath("big.bin", "previous complete object");
    const key = bucket.objectKey("big.bin");
    // Every attempt at part 2 loses its connection after 64 KiB of body.
    s3Proxy.addRule({
      match: (request) => isUploadPart(request) && request.query.get("partNumber") === "2",
      action: { kind: "cut", afterBytes: 64 << 10 },
    });
    const chunks = Array.from({ length: 12 }, (_, index) => Buffer.alloc(1 << 20, index));
    const error = await errorOf(() => bucket.writePath("big.bin", Readable.from(chunks)));
    expect(error.code).toBe("AWS_REQUEST_FAILED");
    expect(error.message).toContain(`s3://${bucketName}/${key}`);

    const partTwoAttempts = s3Proxy.requests.filter(
      (request) => isUploadPart(request) && request.query.get("partNumber") === "2",
    );
    expect(partTwoAttempts.length).toBe(3);
    expect(
      s3Proxy.requests.some(
        (request) => request.method === "DELETE" && request.query.has("uploadId"),
      ),
    ).toBe(true);
    expect(Buffer.from(await bucket.readPath("big.bin")).toString()).toBe(
      "previous complete object",
    );
    const client = await bucket.getClient();
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucketName }));
    expect(open.Uploads ?? []).toEqual([]);
    expect(await s3.openUploads(bucketName)).toEqual([]);
  });

  it("leaves no object at all when the first multipart upload of a key fails", async () => {
    const bucket = bucketBehindProxy({ partSizeBytes: 5 << 20 });
    s3Proxy.addRule({
      match: (request) => request.method === "POST" && request.query.has("uploadId"),
      action: { kind: "cut" },
    });
    const chunks = Array.from({ length: 11 }, (_, index) => Buffer.alloc(1 << 20, index));
    await errorOf(() => bucket.writePath("never.bin", Readable.from(chunks)));
    expect(await bucket.exists("never.bin")).toBe(false);
    expect(await s3.openUploads(bucketName)).toEqual([]);
  });

  it("reports AccessDenied as S3_ACCESS_DENIED naming the bucket, after one request", async () => {
    const bucket = bucketBehindProxy();
    s3Proxy.addRule({
      match: () => true,
      action: s3ErrorResponse(403, "AccessDenied", "Access Denied"),
    });
    const error = await errorOf(() => bucket.writePath("denied.txt", "x"));
    expect(error.code).toBe("S3_ACCESS_DENIED");
    expect(error.message).toContain(`"${bucketName}"`);
    expect(s3Proxy.requests.length).toBe(1);

    const read = await errorOf(() => bucket.readPath("denied.txt"));
    expect(read.code).toBe("S3_ACCESS_DENIED");
    expect(s3Proxy.requests.length).toBe(2);
  });

  it("reports a missing bucket as S3_BUCKET_NOT_FOUND naming it, after one request", async () => {
    const bucket = bucketBehindProxy({ bucketName: "no-such-bucket" });
    const error = await errorOf(() => bucket.writePath("file.txt", "x"));
    expect(error.code).toBe("S3_BUCKET_NOT_FOUND");
    expect(error.message).toContain('"no-such-bucket"');
    expect(s3Proxy.requests.length).toBe(1);
    expect((await errorOf(() => bucket.readPath("file.txt"))).code).toBe("S3_BUCKET_NOT_FOUND");
    expect((await errorOf(() => bucket.exists("file.txt"))).code).toBe("S3_BUCKET_NOT_FOUND");
  });
});

describe("S3Bucket on a machine whose clock is 20 minutes late", () => {
  it("recovers from RequestTimeTooSkewed: the SDK adopts the server's clock and retries once", async () => {
    const skew = -20 * 60 * 1000;
    const { stdout } = await run(
      process.execPath,
      [
        "--conditions=@tessera/source",
        "--import",
        "tsx",
        "--import",
        "./fixtures/skewed-clock/preload.mjs",
        "./fixtures/skewed-clock/write-and-read.ts",
      ],
      {
        cwd: testDirectory,
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          TESSERA_HOME: join(tmpdir(), "tessera-skewed-clock-home-unused"),
          CLOCK_SKEW_MS: String(skew),
          ENDPOINT: s3Proxy.endpoint,
          BUCKET: bucketName,
          FOLDER: freshFolder("skew"),
        },
      },
    );
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      read: string;
      systemClockOffset: number;
    };
    expect(report.read).toBe("signed in time");
    // The offset the SDK learnt from the server undoes the skew (within a minute).
    expect(Math.abs(report.systemClockOffset + skew)).toBeLessThan(60 * 1000);
    // s3rver, like S3, refused the first request (signed 20 minutes ago); the retry, signed with
    // the corrected clock, succeeded, and the read that followed was signed right at once.
    const signed = s3Proxy.requests.filter((request) => request.headers["x-amz-date"]);
    expect(signed.map((request) => `${request.method} ${request.status}`)).toEqual([
      "PUT 403",
      "PUT 200",
      "GET 200",
    ]);
  });

  it("reports a skew the SDK cannot correct as AWS_REQUEST_FAILED about the clock, not as access denied", async () => {
    const bucket = bucketBehindProxy();
    s3Proxy.addRule({
      match: isPut,
      action: s3ErrorResponse(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        { ServerTime: new Date().toISOString() },
      ),
    });
    const error = await errorOf(() => bucket.writePath("never.txt", "x"));
    expect(error.code).toBe("AWS_REQUEST_FAILED");
    expect((error as unknown as { awsCode: string }).awsCode).toBe("RequestTimeTooSkewed");
    expect(error.message).toContain(`s3://${bucketName}/`);
    expect(error.message).toContain("synchronise the clock");
  });
});

describe("AwsSecret through a faulty network", () => {
  const isGetSecret = (request: ProxiedRequest) =>
    request.target === "secretsmanager.GetSecretValue";

  function secretBehindProxy(secretName: string) {
    return new AwsSecret({
      secretName,
      credentials: emulatorCredentials(secretsProxy.endpoint, 3),
    });
  }

  it("reads through throttling and a 503, retried by the SDK", async () => {
    const secret = secretBehindProxy(freshFolder("throttled"));
    await secret.writeSecret("patience");
    secretsProxy.addRule({
      match: isGetSecret,
      times: 1,
      action: jsonErrorResponse(400, "ThrottlingException", "Rate exceeded"),
    });
    secretsProxy.addRule({
      match: isGetSecret,
      times: 1,
      action: jsonErrorResponse(503, "ServiceUnavailable", "Service unavailable"),
    });
    expect(await secret.readSecret()).toBe("patience");
    expect(secretsProxy.requests.filter(isGetSecret).map((request) => request.status)).toEqual([
      400, 503, 200,
    ]);
  });

  it("does not retry ResourceNotFound", async () => {
    const secret = secretBehindProxy("absent-secret");
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_NOT_FOUND");
    expect(secretsProxy.requests.filter(isGetSecret).length).toBe(1);
  });

  it("does not retry AccessDenied, and names the secret", async () => {
    const secret = secretBehindProxy("guarded-secret");
    secretsProxy.addRule({
      match: isGetSecret,
      action: jsonErrorResponse(
        400,
        "AccessDeniedException",
        "User is not authorized to perform: secretsmanager:GetSecretValue",
      ),
    });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("SECRET_ACCESS_DENIED");
    expect(error.message).toContain('"guarded-secret"');
    expect(secretsProxy.requests.filter(isGetSecret).length).toBe(1);
  });

  it("gives up after the configured attempts with an error naming the secret, not its value", async () => {
    const secret = secretBehindProxy(freshFolder("unavailable"));
    await secret.writeSecret("hunter2-value");
    secretsProxy.addRule({
      match: isGetSecret,
      action: jsonErrorResponse(503, "ServiceUnavailable", "Service unavailable"),
    });
    const error = await errorOf(() => secret.readSecret());
    expect(error.code).toBe("AWS_REQUEST_FAILED");
    expect(error.message).toContain(secret.secretName);
    expect(error.message).not.toContain("hunter2-value");
    expect(secretsProxy.requests.filter(isGetSecret).length).toBe(3);
  });
});

describe("AWS errors and secrets", () => {
  it("never carry the secret access key or the session token, in the message or anywhere in the error", async () => {
    const secretAccessKey = "canary-secret-access-key-7f3a";
    const sessionToken = "canary-session-token-91c2";
    const leaky = (endpoint: string) => ({
      ...emulatorCredentials(endpoint, 2),
      secretAccessKey,
      sessionToken,
    });
    s3Proxy.addRule({
      match: isGet,
      action: s3ErrorResponse(
        403,
        "SignatureDoesNotMatch",
        "The request signature does not match.",
      ),
    });
    secretsProxy.addRule({
      match: () => true,
      action: jsonErrorResponse(400, "ThrottlingException", "Rate exceeded"),
    });
    const failures = [
      await errorOf(() =>
        new S3Bucket({ bucketName, credentials: leaky(s3Proxy.endpoint) }).readPath("x"),
      ),
      await errorOf(() =>
        new S3Bucket({ bucketName, credentials: leaky("http://127.0.0.1:1") }).writePath("x", "y"),
      ),
      await errorOf(() =>
        new AwsSecret({
          secretName: "any",
          credentials: leaky(secretsProxy.endpoint),
        }).readSecret(),
      ),
    ];
    expect(failures.map((error) => error.code)).toEqual([
      "S3_ACCESS_DENIED",
      "AWS_REQUEST_FAILED",
      "AWS_REQUEST_FAILED",
    ]);
    for (const error of failures) {
      const everything = `${String(error)}\n${error.stack}\n${inspect(error, { depth: 30 })}`;
      expect(everything).not.toContain(secretAccessKey);
      expect(everything).not.toContain(sessionToken);
    }
  });
});
