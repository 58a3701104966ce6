import { beforeAll, inject } from "vitest";
import type { SharedAzurite } from "./global-azurite.js";

/** The package's shared Azurite (see `global-azurite.ts`), as a test file sees it. */
export interface TestAzurite extends SharedAzurite {
  /** A connection string for the same account reached through another endpoint (a proxy). */
  connectionStringVia(endpoint: string): string;
}

/**
 * The Azurite shared by this package's test files. `started` runs once before the file's tests
 * (to prepare what they need, such as a fault proxy).
 */
export function useAzurite(
  started: (azurite: TestAzurite) => void | Promise<void> = () => {},
): void {
  beforeAll(async () => {
    const shared = inject("azurite");
    await started({
      ...shared,
      connectionStringVia: (endpoint) => shared.connectionString.replace(shared.endpoint, endpoint),
    });
  });
}
