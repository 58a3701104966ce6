/** Block fields for tests that talk to the throwaway AWS servers of `@tessera/test-servers`. */
export { emulatorCredentials, freshFolder } from "@tessera/test-servers";
