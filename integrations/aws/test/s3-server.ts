import { type S3Server, startS3Server } from "@tessera/test-servers";
import { afterAll, beforeAll } from "vitest";

/**
 * Starts one S3 emulator holding `buckets` before the file's tests and stops it after them.
 * `started` receives the server once it listens (and may prepare it before any test runs).
 */
export function useS3Server(
  buckets: string[],
  started: (server: S3Server) => void | Promise<void>,
): void {
  let server: S3Server | undefined;
  beforeAll(async () => {
    server = await startS3Server({ buckets });
    await started(server);
  });
  afterAll(async () => {
    await server?.stop();
  });
}
