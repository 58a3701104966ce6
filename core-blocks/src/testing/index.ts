/** Conformance suites and the test harness for users' own tests. */
export const testingEntry = "@tessera/core/testing";
export type {
  ConformanceAssertion,
  ConformanceTestApi,
} from "./conformance-test-api.js";
export {
  type BlockStoreFixture,
  describeBlockStore,
} from "./describe-block-store.js";
export {
  type DescribeNotifierOptions,
  describeNotifier,
  type NotifierEndpointBehaviour,
  type NotifierFixture,
} from "./describe-notifier.js";
export {
  type DescribeWritableFileSystemOptions,
  describeWritableFileSystem,
  type WritableFileSystemFixture,
} from "./describe-writable-file-system.js";
export {
  createTestHarness,
  type TestHarness,
  type TestHarnessHooks,
  type TestHarnessOptions,
  useTestHarness,
} from "./test-harness.js";
