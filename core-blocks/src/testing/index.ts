/** Conformance suites and the test harness for users' own tests. */
export const testingEntry = "@tessera/core/testing";
