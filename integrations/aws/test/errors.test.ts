import { randomBytes } from "node:crypto";
import { TesseraError } from "@tessera/core";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors/index.js";

type ErrorClass = (new (
  details: never,
) => TesseraError) & { code: string; isInstance(value: unknown): boolean };

/** One case per exported error class: the details it is built from, all of them typed fields. */
const cases: Record<string, Record<string, unknown>> = {
  AssumeRoleFailedError: {
    roleArn: "arn:aws:iam::123456789012:role/Reader",
    awsCode: "AccessDenied",
  },
  AwsRequestError: {
    service: "S3",
    operation: "PutObject",
    resource: 'bucket "results"',
    awsCode: "SlowDown",
  },
  S3AccessDeniedError: { bucket: "results", operation: "ListObjectsV2" },
  S3BucketNotFoundError: { bucket: "results" },
  SecretAccessDeniedError: {
    secretName: "prod/db",
    operation: "GetSecretValue",
    slug: "aws-secret/db",
  },
  SecretNotFoundError: { secretName: "prod/db", version: "v2", slug: "aws-secret/db" },
  SecretScheduledForDeletionError: { secretName: "prod/db", slug: "aws-secret/db" },
};

/** Inputs that shape the message without being fields. */
const messageOnly: Record<string, Record<string, unknown>> = {
  AssumeRoleFailedError: { reason: "AccessDenied (HTTP 403): not authorized" },
  AwsRequestError: { reason: "SlowDown (HTTP 503): reduce your request rate" },
};

function build(name: string, extra: Record<string, unknown> = {}): TesseraError {
  const ErrorType = (errors as Record<string, unknown>)[name] as ErrorClass;
  return new ErrorType({ ...cases[name], ...messageOnly[name], ...extra } as never);
}

describe.each(Object.keys(cases))("%s", (name) => {
  it("constructs from one details object and carries its code, typed fields and cause", () => {
    const ErrorType = (errors as Record<string, unknown>)[name] as ErrorClass;
    const cause = new Error("the SDK's error");
    const error = build(name, { cause });
    expect(error.code).toBe(ErrorType.code);
    expect(ErrorType.isInstance(error)).toBe(true);
    expect(TesseraError.isInstance(error)).toBe(true);
    expect(error).toMatchObject(cases[name]!);
    expect(error.cause).toBe(cause);
  });

  it("puts given advice in place of its own", () => {
    const advice = "Ask the account's administrator.";
    const plain = build(name);
    const advised = build(name, { advice });
    expect(plain.message).not.toContain(advice);
    expect(advised.message.endsWith(advice)).toBe(true);
  });

  it("serialises to JSON with its name, code, message and typed fields", () => {
    const error = build(name);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name,
      code: error.code,
      message: error.message,
      ...cases[name],
    });
  });

  it("keeps the cause's secret-bearing text out of its message and JSON", () => {
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    const error = build(name, { cause: new Error(`signature ${canary}`) });
    expect(error.message).not.toContain(canary);
    expect(JSON.stringify(error)).not.toContain(canary);
  });
});

describe("the AWS error catalogue", () => {
  it("has a case above for every exported error class", () => {
    expect(Object.keys(errors).sort()).toEqual(Object.keys(cases).sort());
  });
});
