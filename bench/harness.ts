/**
 * The benchmark harness behind `pnpm bench`. A bench file (`<package>/bench/*.bench.ts`) default
 * exports a function that returns its cases; each timing case is measured beside its floor (the
 * bare driver, SDK or node API doing the same work) in the same process, interleaved, after a
 * warm-up, and reported as medians.
 */

/** A case timed against its floor. */
interface TimingCase {
  kind: "time";
  /** Sentence-like name, such as `load by slug, one nested block`. */
  name: string;
  /** Target ratio value / floor (the case should stay at or under it). */
  target: number;
  /** One iteration of the measured operation. */
  run: () => unknown | Promise<unknown>;
  /** One iteration of the floor: the bare API doing the same work. */
  floor: () => unknown | Promise<unknown>;
  /** Measured iterations of each side. @default 200 */
  iterations?: number;
  /** Warm-up iterations of each side. @default 20 */
  warmup?: number;
  /**
   * Instead of a floor, a value measured elsewhere in the same run to compare against, in ms
   * (for example the same operation at a smaller scale). When given, `floor` is not timed.
   */
  floorMs?: () => number;
}

/** A case that measures memory (or another single value) against a ceiling. */
interface ValueCase {
  kind: "value";
  name: string;
  /** Unit of `measure()`'s result, such as `MB`. */
  unit: string;
  /** Ceiling: the value should stay at or under it. */
  target: number;
  /** Measures once and returns the value. */
  measure: () => Promise<number>;
}

export type BenchCase = TimingCase | ValueCase;

/** What a bench file default-exports. `teardown` runs after its cases, even when one fails. */
export interface BenchSuite {
  cases: BenchCase[];
  teardown?: () => Promise<void> | void;
}

/** One row of `bench-results.json` (STYLE.md). */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  floor: number | null;
  ratio: number | null;
  target: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function timeOnce(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs one case: warm-up, then run and floor interleaved, medians in ms. */
export async function measureCase(benchCase: BenchCase): Promise<BenchResult> {
  if (benchCase.kind === "value") {
    const value = await benchCase.measure();
    return {
      name: benchCase.name,
      unit: benchCase.unit,
      value,
      floor: null,
      ratio: null,
      target: benchCase.target,
    };
  }
  const iterations = benchCase.iterations ?? 200;
  const warmup = benchCase.warmup ?? 20;
  for (let i = 0; i < warmup; i++) {
    await benchCase.run();
    if (!benchCase.floorMs) await benchCase.floor();
  }
  const runTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    // Alternate which side goes first so neither always pays for the other's garbage.
    if (i % 2 === 0 || benchCase.floorMs) {
      runTimes.push(await timeOnce(benchCase.run));
      if (!benchCase.floorMs) floorTimes.push(await timeOnce(benchCase.floor));
    } else {
      floorTimes.push(await timeOnce(benchCase.floor));
      runTimes.push(await timeOnce(benchCase.run));
    }
  }
  const value = median(runTimes);
  const floor = benchCase.floorMs ? benchCase.floorMs() : median(floorTimes);
  return {
    name: benchCase.name,
    unit: "ms",
    value: round(value),
    floor: round(floor),
    ratio: round(value / floor),
    target: benchCase.target,
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
