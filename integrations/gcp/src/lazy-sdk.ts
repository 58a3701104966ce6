/**
 * The Google Cloud client libraries, imported when a method first needs them. Importing
 * `@tessera/gcp` to read, save or list blocks loads none of these modules; the first Cloud Storage
 * or Secret Manager call does, once per process. Every SDK import in this package goes through
 * this file.
 */

/** `@google-cloud/storage`. */
export type StorageSdk = typeof import("@google-cloud/storage");
/** `@google-cloud/secret-manager`. */
export type SecretManagerSdk = typeof import("@google-cloud/secret-manager");

let storageSdk: Promise<StorageSdk> | undefined;
let secretManagerSdk: Promise<SecretManagerSdk> | undefined;

/** Imports `@google-cloud/storage` on first call. */
export function loadStorageSdk(): Promise<StorageSdk> {
  storageSdk ??= import("@google-cloud/storage");
  return storageSdk;
}

/** Imports `@google-cloud/secret-manager` on first call. */
export function loadSecretManagerSdk(): Promise<SecretManagerSdk> {
  secretManagerSdk ??= import("@google-cloud/secret-manager");
  return secretManagerSdk;
}
