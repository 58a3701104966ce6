/** The throwaway servers of `@tessera/test-servers`, for the cross-package tests. */
export {
  type S3Server,
  type SecretsManagerEmulator,
  startS3Server,
  startSecretsManagerEmulator,
} from "@tessera/test-servers";
