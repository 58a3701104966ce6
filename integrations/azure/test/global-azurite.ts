/**
 * One Azurite for every test file of this package (vitest's `globalSetup`): starting Azurite takes
 * seconds of CPU, mostly loading its modules, so the files share one server and keep apart through
 * containers and fresh folders. Files reach it through `useAzurite` (`./azurite.ts`).
 */
import { startAzurite } from "@tessera/test-servers";
import type { TestProject } from "vitest/node";

/** What the test files learn about the shared Azurite. */
export interface SharedAzurite {
  endpoint: string;
  accountUrl: string;
  connectionString: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    azurite: SharedAzurite;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ containers: ["conformance", "results", "other"] });
  project.provide("azurite", {
    endpoint: azurite.endpoint,
    accountUrl: azurite.accountUrl,
    connectionString: azurite.connectionString,
  });
  return () => azurite.stop();
}
