/**
 * The Azure SDK, imported when a method first needs it. Importing `@tessera/azure` to read, save
 * or list blocks loads none of these modules; the first Blob Storage call does, once per process.
 * Every SDK import in this package goes through this file.
 */

/** `@azure/storage-blob`. */
export type BlobSdk = typeof import("@azure/storage-blob");
/** `@azure/identity`. */
export type IdentitySdk = typeof import("@azure/identity");

let blobSdk: Promise<BlobSdk> | undefined;
let identitySdk: Promise<IdentitySdk> | undefined;

/** Imports `@azure/storage-blob` on first call. */
export function loadBlobSdk(): Promise<BlobSdk> {
  blobSdk ??= import("@azure/storage-blob");
  return blobSdk;
}

/** Imports `@azure/identity` on first call (service principals and the machine's identity). */
export function loadIdentitySdk(): Promise<IdentitySdk> {
  identitySdk ??= import("@azure/identity");
  return identitySdk;
}
