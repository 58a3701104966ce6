export { GcpRequestError } from "./gcp-request-error.js";
export { GcpServiceAccountFileError } from "./gcp-service-account-file-error.js";
export { GcsAccessDeniedError } from "./gcs-access-denied-error.js";
export { GcsBucketNotFoundError } from "./gcs-bucket-not-found-error.js";
export { GcsChecksumMismatchError } from "./gcs-checksum-mismatch-error.js";
