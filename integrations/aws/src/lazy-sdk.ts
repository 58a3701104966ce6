/**
 * The AWS SDK, imported when a method first needs it. Importing `@tessera/aws` to read, save or
 * list blocks loads none of these modules; the first S3 or Secrets Manager call does, once per
 * process. Every SDK import in this package goes through this file.
 */

/** `@aws-sdk/client-s3`. */
export type S3Sdk = typeof import("@aws-sdk/client-s3");
/** `@aws-sdk/client-secrets-manager`. */
export type SecretsManagerSdk = typeof import("@aws-sdk/client-secrets-manager");
/** `@aws-sdk/client-sts`. */
export type StsSdk = typeof import("@aws-sdk/client-sts");

let s3Sdk: Promise<S3Sdk> | undefined;
let secretsManagerSdk: Promise<SecretsManagerSdk> | undefined;
let stsSdk: Promise<StsSdk> | undefined;

/** Imports `@aws-sdk/client-s3` on first call. */
export function loadS3Sdk(): Promise<S3Sdk> {
  s3Sdk ??= import("@aws-sdk/client-s3");
  return s3Sdk;
}

/** Imports `@aws-sdk/client-secrets-manager` on first call. */
export function loadSecretsManagerSdk(): Promise<SecretsManagerSdk> {
  secretsManagerSdk ??= import("@aws-sdk/client-secrets-manager");
  return secretsManagerSdk;
}

/** Imports `@aws-sdk/client-sts` on first call (assume-role credentials). */
export function loadStsSdk(): Promise<StsSdk> {
  stsSdk ??= import("@aws-sdk/client-sts");
  return stsSdk;
}
