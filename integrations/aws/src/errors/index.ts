export { AssumeRoleFailedError } from "./assume-role-failed-error.js";
export { AwsRequestError } from "./aws-request-error.js";
export { S3AccessDeniedError } from "./s3-access-denied-error.js";
export { S3BucketNotFoundError } from "./s3-bucket-not-found-error.js";
export { SecretAccessDeniedError } from "./secret-access-denied-error.js";
export { SecretNotFoundError } from "./secret-not-found-error.js";
export { SecretScheduledForDeletionError } from "./secret-scheduled-for-deletion-error.js";
