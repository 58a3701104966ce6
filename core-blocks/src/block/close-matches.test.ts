import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  boundedEditDistance,
  closeMatches,
  editDistance,
  MAX_MATCH_CELLS,
  MAX_MATCH_DISTANCE,
  type MatchWork,
} from "./close-matches.js";

describe("close matches", () => {
  it("gives the exact edit distance within the bound, and bound + 1 beyond it", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.integer({ min: 0, max: 6 }),
        (left, right, bound) => {
          const exact = editDistance(left, right);
          expect(boundedEditDistance(left, right, bound)).toBe(exact <= bound ? exact : bound + 1);
        },
      ),
    );
  });

  it("scans 20,000 names with a few cells each and still finds the typo", () => {
    let seed = 7;
    const letter = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return "abcdefghijklmnopqrstuvwxyz0123456789"[seed % 36]!;
    };
    const names = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 20 + (seed % 40) }, letter).join(""),
    );
    const target = names[12_345]!;
    const wanted = `${target.slice(0, 5)}-${target.slice(6)}`;
    const work: MatchWork = { cells: 0 };
    const matches = closeMatches(wanted, names, 3, work);
    expect(matches[0]).toBe(target);
    expect(work.cells).toBeGreaterThan(0);
    // A full edit-distance table per name would be 20,000 × ~40 × ~40 ≈ 32 million cells.
    expect(work.cells).toBeLessThan(1_000_000);
  });

  it("bounds the work for 20,000 names that all look alike", () => {
    const names = Array.from(
      { length: 20_000 },
      (_, index) => `service-${index.toString(36).padStart(6, "0")}-${"x".repeat(100)}`,
    );
    const wanted = `${names[12_345]!.slice(0, 50)}y${names[12_345]!.slice(51)}`;
    const work: MatchWork = { cells: 0 };
    const matches = closeMatches(wanted, names, 3, work);
    expect(matches.length).toBeGreaterThan(0);
    // A full edit-distance table per name would be 20,000 × 115 × 115 ≈ 264 million cells; the
    // bound may be passed by the one comparison under way when it is reached.
    const oneComparison = (2 * MAX_MATCH_DISTANCE + 1) * wanted.length;
    expect(work.cells).toBeLessThanOrEqual(MAX_MATCH_CELLS + oneComparison);
  });

  it("stops computing distances once the work bound is reached, keeping containment matches", () => {
    const names = Array.from({ length: 60_000 }, (_, index) => `${"a".repeat(60)}${index}`);
    names.push("prefix-wanted-name-suffix");
    const work: MatchWork = { cells: 0 };
    const matches = closeMatches("wanted-name", names, 3, work);
    expect(matches).toContain("prefix-wanted-name-suffix");
    expect(work.cells).toBeLessThanOrEqual(MAX_MATCH_CELLS + (2 * MAX_MATCH_DISTANCE + 1) * 11);
  });
});
