/**
 * Block fields for tests that talk to the throwaway AWS servers of `servers.ts`: credentials
 * aimed at an endpoint with the settings s3rver needs (path-style addressing, checksums only when
 * required), and quick retries so fault tests do not wait on backoff.
 */
import { S3RVER_CREDENTIALS } from "./s3-server.js";

/** `aws-credentials` fields for an emulator at `endpoint`. */
export function emulatorCredentials(endpoint: string, maxAttempts = 3) {
  return {
    ...S3RVER_CREDENTIALS,
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    clientOptions: {
      maxAttempts,
      requestChecksumCalculation: "WHEN_REQUIRED" as const,
      responseChecksumValidation: "WHEN_REQUIRED" as const,
    },
  };
}

/** A fresh folder name, so tests sharing a bucket never see each other's objects. */
export function freshFolder(prefix = "run"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
