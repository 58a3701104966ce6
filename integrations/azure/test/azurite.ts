import { type Azurite, startAzurite } from "@tessera/test-servers";
import { afterAll, beforeAll } from "vitest";

/**
 * Starts one Azurite holding `containers` before the file's tests and stops it after them.
 * `started` receives the server once it listens (and may prepare it before any test runs).
 */
export function useAzurite(
  containers: string[],
  started: (azurite: Azurite) => void | Promise<void> = () => {},
): void {
  let azurite: Azurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite({ containers });
    await started(azurite);
  });
  afterAll(async () => {
    await azurite?.stop();
  });
}
