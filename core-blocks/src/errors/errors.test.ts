import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { forgetSecrets, rememberSecret } from "../secrets/redactor.js";
import * as errors from "./index.js";
import { TesseraError } from "./index.js";

type ErrorClass = (new (
  details: never,
) => TesseraError) & { code: string; isInstance(value: unknown): boolean };

interface Case {
  /** The details object, without `cause` and `advice` (the test adds them). */
  details: Record<string, unknown>;
  /** The typed fields the error must carry, when they differ from the details given. */
  fields?: Record<string, unknown>;
  /** False for errors whose message is all the caller's (no advice sentence to replace). */
  advice?: false;
}

const copy = { version: "1.2.0", location: "/app/node_modules/@tessera/core" };

/** One case per exported error class: the details it is built from. */
const cases: Record<string, Case> = {
  BlockExistsError: { details: { slug: "s3-bucket/results" } },
  BlockNotFoundError: {
    details: { slug: "s3-bucket/results", closeMatches: ["s3-bucket/result"], revision: 3 },
  },
  BlockReferencedError: {
    details: { slug: "aws-credentials/prod", referrers: ["s3-bucket/results"] },
  },
  DecryptionFailedError: {
    details: {
      reason: "authentication-failed",
      keyId: "k1",
      fieldPath: "password",
      message: "The stored secret password does not decrypt.",
    },
  },
  DocumentTooLargeError: { details: { slug: "s3-bucket/results", size: 2048, limit: 1024 } },
  DuplicateCoreError: {
    details: {
      subject: "@tessera/aws",
      current: copy,
      other: { version: "1.1.0", location: "/app/node_modules/@tessera/aws/node_modules" },
    },
  },
  ForbiddenError: { details: { scope: "read", allowed: ["write", "admin"] } },
  FileNotFoundError: { details: { path: "reports/a.json", location: "s3-bucket/results" } },
  IncompatibleIntegrationError: {
    details: {
      integrationName: "@tessera/aws",
      integrationVersion: "2.0.0",
      requiredRange: "^2.0.0",
      coreVersion: "1.2.0",
      coreLocation: "/app/node_modules/@tessera/core",
    },
  },
  IntegrationNotFoundError: { details: { specifier: "@tessera/gcs", searchedFrom: "/app" } },
  IntegrationTooOldError: {
    details: {
      slug: "s3-bucket/results",
      packageName: "@tessera/aws",
      writtenBy: "3.0.0",
      installed: "2.1.0",
    },
  },
  InterruptedError: { details: { what: 'saving "s3-bucket/results"' } },
  InvalidBlockDefinitionError: {
    details: { type: "s3-bucket", problem: "its schema is not an object. Pass a z.object." },
    fields: { problem: undefined },
  },
  InvalidInputError: {
    details: { subject: "--set", message: "--set needs field=value. Write it as --set host=db." },
    fields: { message: undefined },
  },
  InvalidIntegrationError: {
    details: { specifier: "@tessera/gcs", reason: "it exports no integration. Export one." },
  },
  InvalidKeyError: {
    details: { source: "TESSERA_ENCRYPTION_KEY", position: 2, reason: "too short" },
  },
  InvalidProjectConfigError: {
    details: { file: "/app/tessera.config.json", problem: "is not JSON. Fix it." },
    fields: { problem: undefined },
  },
  InvalidResultStorageError: {
    details: { storage: "s3-bucket/results", reason: "it cannot be written" },
    fields: { reason: undefined },
  },
  InvalidSlugError: {
    details: { input: "S3/Results", reason: "upper-case letters", what: "name" },
    fields: { input: '"S3/Results"', what: undefined },
  },
  KeyFileBusyError: {
    details: { lockPath: "/home/u/.tessera/keys.lock", waitedMs: 5000, holder: "pid 4242" },
    fields: { holder: undefined },
  },
  KeyFileChangedError: {
    details: { path: "/home/u/.tessera/keys", what: "lost the new key just written to it" },
    fields: { what: undefined },
  },
  KeyFilePermissionsError: {
    details: { path: "/home/u/.tessera/keys", mode: 0o644 },
    fields: { mode: "644", fix: "chmod 600 /home/u/.tessera/keys" },
  },
  KeyFileUnsafeError: {
    details: { path: "/home/u/.tessera/keys", reason: "is a symbolic link" },
  },
  KeySourceReadOnlyError: { details: { operation: "rotate the master key" } },
  MaskedSecretError: {
    details: { subject: '"db/prod"', paths: ["password"], literalHint: "--literal-mask" },
    fields: { literalHint: undefined },
  },
  MasterKeyNotCurrentError: {
    details: {
      location: "/home/u/.tessera/blocks.db",
      masterKeyId: "k1",
      currentMasterKeyId: "k2",
    },
  },
  NestingTooDeepError: { details: { slug: "s3-bucket/results", limit: 32 } },
  NotificationCancelledError: { details: { notifier: "slack-webhook/ops" } },
  NotificationFailedError: {
    details: {
      notifier: "slack-webhook/ops",
      reason: "Slack answered HTTP 404 channel_not_found",
      status: 404,
      providerError: "channel_not_found",
      mayHaveBeenDelivered: true,
    },
  },
  NotificationRateLimitedError: { details: { notifier: "webhook/pager", retryAfterSeconds: 60 } },
  NotificationTimeoutError: { details: { notifier: "webhook/pager", deadlineMs: 30000 } },
  PathConflictError: {
    details: { path: "reports", location: "local-file-system/out", reason: "a file stands there" },
    fields: { reason: undefined },
  },
  PathOutsideBaseError: {
    details: { path: "../etc/passwd", reason: 'it climbs out with ".."' },
    fields: { path: '"../etc/passwd"' },
  },
  ReferenceCycleError: {
    details: { slug: "s3-bucket/a", cycle: ["s3-bucket/a", "s3-bucket/b", "s3-bucket/a"] },
  },
  ReferenceNotFoundError: { details: { slug: "s3-bucket/results", missing: "aws-credentials/x" } },
  ResultCorruptedError: { details: { key: "daily/report", reason: "its checksum differs" } },
  ResultNotFoundError: { details: { key: "daily/report", expiredAt: new Date(0) } },
  RevisionConflictError: {
    details: { slug: "s3-bucket/results", expectedRevision: 2, actualRevision: 3, file: "a.json" },
    fields: { file: undefined },
  },
  SchemaMismatchError: {
    details: {
      slug: "s3-bucket/results",
      storedVersion: "1.0.0",
      installedVersion: "1.1.0",
      problems: [{ path: "bucketName", message: "Required" }],
    },
  },
  SchemaTooNewError: {
    details: {
      slug: "s3-bucket/results",
      storedVersion: "2.0.0",
      installedVersion: "1.4.0",
      install: "@tessera/aws@^2",
    },
  },
  SecretReferenceError: {
    details: { reference: "env:DB_PASSWORD", problem: "names an unset variable. Set it." },
    fields: { problem: undefined },
  },
  SerializationFailedError: {
    details: { serializer: "json", direction: "serialize", reason: "a BigInt" },
  },
  DatabaseUnavailableError: {
    details: { location: "postgres://db.internal:5432/tessera", driverCode: "57P01" },
  },
  DriverNotInstalledError: {
    details: { packageName: "pg", packageRange: "^8.23.1", backend: "PostgreSQL" },
  },
  StoreBusyError: { details: { location: "/home/u/.tessera/blocks.db", waitedMs: 5000 } },
  StoreClosedError: { details: { location: "/home/u/.tessera/blocks.db" } },
  StoreCopyMismatchError: {
    details: {
      from: "/home/u/.tessera/blocks.db",
      to: "postgres://db.internal:5432/tessera",
      source: { documents: 3, revisions: 5, blockTypes: 1, dataKeys: 1, masterKeys: 1 },
      destination: { documents: 2, revisions: 4, blockTypes: 1, dataKeys: 1, masterKeys: 1 },
      problem: "their checksums differ",
    },
    fields: { problem: undefined },
  },
  StoreCorruptedError: {
    details: { location: "/home/u/.tessera/blocks.db", problem: "its header is not SQLite's" },
    fields: { problem: undefined },
  },
  StoreNotSupportedError: { details: { variable: "TESSERA_DATABASE_URL", backend: "PostgreSQL" } },
  StoreReadOnlyError: {
    details: { location: "/home/u/.tessera/blocks.db", what: "The block was not deleted" },
    fields: { what: undefined },
  },
  StoreTooNewError: {
    details: { location: "/home/u/.tessera/blocks.db", storeVersion: 9, supportedVersion: 3 },
  },
  StoreUnavailableError: {
    details: {
      location: "/home/u/.tessera/blocks.db",
      folder: "/home/u/.tessera",
      systemCode: "EACCES",
    },
    fields: { folder: undefined },
  },
  StoreWriteFailedError: {
    details: { location: "/home/u/.tessera/blocks.db", driverCode: "SQLITE_FULL" },
  },
  TemplateError: {
    details: { placeholder: "{{ db.password }}", location: "line 3", problem: "names no block." },
    fields: { problem: undefined },
  },
  TemplateTooLargeError: { details: { limit: 1024, location: "line 9" } },
  UnauthenticatedError: {
    details: { problem: "the request carries no Authorization: Bearer token" },
  },
  UnknownBlockTypeError: {
    details: { type: "gcs-bucket", packageName: "@tessera/gcs", packageRange: "^1.0.0" },
  },
  UnknownSerializerError: {
    details: { serializer: "yaml", key: "daily/report", known: ["json", "rich", "binary"] },
  },
  ValidationFailedError: {
    details: {
      subject: "s3-bucket/results",
      problems: [{ path: "bucketName", message: "Required" }],
    },
  },
};

function errorClass(name: string): ErrorClass {
  const found = (errors as Record<string, unknown>)[name];
  if (typeof found !== "function") throw new Error(`${name} is not exported from errors/index`);
  return found as ErrorClass;
}

function build(name: string, details: Record<string, unknown>): TesseraError {
  const ErrorType = errorClass(name);
  return new ErrorType(details as never);
}

function expectedFields(testCase: Case): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...testCase.details, ...testCase.fields };
  // Inputs that only shape the message are not fields (a case marks them undefined).
  delete fields.message;
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields;
}

afterEach(() => forgetSecrets());

describe.each(Object.keys(cases))("%s", (name) => {
  const testCase = cases[name]!;

  it("constructs from one details object and carries its code and typed fields", () => {
    const error = build(name, testCase.details);
    const ErrorType = errorClass(name);
    expect(error).toBeInstanceOf(ErrorType);
    expect(error.name).toBe(name);
    expect(error.code).toBe(ErrorType.code);
    expect(ErrorType.isInstance(error)).toBe(true);
    expect(TesseraError.isInstance(error)).toBe(true);
    expect(error).toMatchObject(expectedFields(testCase));
  });

  it("keeps the cause it is given", () => {
    const cause = new Error("lower-level failure");
    const error = build(name, { ...testCase.details, cause });
    expect(error.cause).toBe(cause);
    expect(build(name, testCase.details).cause).toBeUndefined();
  });

  it("puts given advice in place of its own, keeping what happened", () => {
    const plain = build(name, testCase.details);
    const advice = "Ask the team that owns this block.";
    const advised = build(name, { ...testCase.details, advice });
    expect(advised.message.endsWith(advice)).toBe(true);
    expect(advised.advice).toBe(advice);
    expect(plain.advice).toBeUndefined();
    if (testCase.advice !== false) expect(plain.message).not.toContain(advice);
    // The first words (what happened) stay.
    expect(advised.message.slice(0, 20)).toBe(plain.message.slice(0, 20));
  });

  it("serialises to JSON with its name, code, message and typed fields", () => {
    const error = build(name, testCase.details);
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({
      name,
      code: error.code,
      message: error.message,
      ...(JSON.parse(JSON.stringify(expectedFields(testCase))) as object),
    });
    expect(json).not.toHaveProperty("stack");
    expect(json).not.toHaveProperty("cause");
  });

  it("shows no remembered secret in its message, inspect output or JSON, even when a field holds it", () => {
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    rememberSecret(canary);
    const details = { ...testCase.details };
    const stringField = Object.keys(details).find(
      (key) => typeof details[key] === "string" && key !== "reason",
    );
    expect(stringField).toBeDefined();
    details[stringField!] = `${String(details[stringField!])} ${canary}`;
    const error = build(name, details);
    expect(error.message).not.toContain(canary);
    expect(inspect(error)).not.toContain(canary);
    expect(JSON.stringify(error)).not.toContain(canary);
  });
});

describe("the error catalogue", () => {
  it("has a case above for every exported Tessera error class", () => {
    const exported = Object.entries(errors)
      .filter(
        ([, value]) =>
          typeof value === "function" &&
          value !== TesseraError &&
          value.prototype instanceof TesseraError,
      )
      .map(([name]) => name)
      .sort();
    expect(exported).toEqual(Object.keys(cases).sort());
  });
});
