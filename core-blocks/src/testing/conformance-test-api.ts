/** The assertions the conformance suites use; vitest's and jest's `expect` both fit. */
export interface ConformanceAssertion {
  /** `Object.is` equality. */
  toBe(expected: unknown): void;
  /** Deep equality. */
  toEqual(expected: unknown): void;
  toBeLessThan(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
  toBeGreaterThan(expected: number): void;
}

/**
 * The test API a conformance suite registers its tests with: pass your runner's functions
 * (`{ describe, it, expect, beforeEach, afterEach }` from vitest or jest, or node:test's with an
 * `expect` library). The suites never import a runner.
 */
export interface ConformanceTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeout?: number): void;
  expect(actual: unknown): ConformanceAssertion;
  beforeEach(body: () => Promise<void> | void): void;
  afterEach(body: () => Promise<void> | void): void;
}
