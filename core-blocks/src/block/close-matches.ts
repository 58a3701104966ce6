/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(left: string, right: string): number {
  if (left === right) return 0;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/** The largest edit distance `closeMatches` looks for, whatever the length of the name. */
export const MAX_MATCH_DISTANCE = 4;

/**
 * Most edit-distance cells one `closeMatches` call computes (tens of milliseconds). Names that
 * differ early cost a few rows each, so this covers far more than 20,000 ordinary names; past
 * it the scan keeps only the cheap containment test, so a huge list costs bounded time.
 */
export const MAX_MATCH_CELLS = 10_000_000;

/** Counts the work of `closeMatches` (for tests and measurements). */
export interface MatchWork {
  /** Edit-distance cells computed. */
  cells: number;
}

/**
 * The edit distance between `left` and `right` when it is at most `bound`, else `bound + 1`:
 * only the diagonal band of width `2 * bound + 1` is computed, and the comparison stops as soon
 * as a whole row exceeds the bound. Adds the cells computed to `work`.
 */
export function boundedEditDistance(
  left: string,
  right: string,
  bound: number,
  work: MatchWork = { cells: 0 },
): number {
  const over = bound + 1;
  if (Math.abs(left.length - right.length) > bound) return over;
  if (left === right) return 0;
  const width = right.length + 1;
  let previous = new Uint16Array(width).fill(over);
  let current = new Uint16Array(width).fill(over);
  for (let column = 0; column <= Math.min(bound, right.length); column++) previous[column] = column;
  for (let row = 1; row <= left.length; row++) {
    const low = Math.max(1, row - bound);
    const high = Math.min(right.length, row + bound);
    current[low - 1] = low === 1 ? Math.min(row, over) : over;
    let rowMinimum = current[low - 1]!;
    for (let column = low; column <= high; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      const value = Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution, over);
      current[column] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (high + 1 < width) current[high + 1] = over;
    work.cells += high - low + 1;
    if (rowMinimum > bound) return over;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[right.length]!, over);
}

/**
 * Candidates that look like `wanted`: within an edit distance of a third of its length (at least
 * 2, at most `MAX_MATCH_DISTANCE`), or containing it (or contained in it). Closest first, at most
 * `limit`. Costs bounded work however many candidates there are (see `MAX_MATCH_CELLS`).
 */
export function closeMatches(
  wanted: string,
  candidates: Iterable<string>,
  limit = 3,
  work: MatchWork = { cells: 0 },
): string[] {
  const budget = Math.min(MAX_MATCH_DISTANCE, Math.max(2, Math.floor(wanted.length / 3)));
  const start = work.cells;
  const scored: Array<{ candidate: string; distance: number }> = [];
  for (const candidate of candidates) {
    if (candidate === wanted) continue;
    const related = candidate.includes(wanted) || wanted.includes(candidate);
    const distance =
      work.cells - start < MAX_MATCH_CELLS
        ? boundedEditDistance(wanted, candidate, budget, work)
        : budget + 1;
    if (distance <= budget) scored.push({ candidate, distance });
    // One contains the other: the edit distance is exactly the difference in length.
    else if (related)
      scored.push({ candidate, distance: Math.abs(candidate.length - wanted.length) });
  }
  return scored
    .sort(
      (left, right) =>
        left.distance - right.distance || (left.candidate < right.candidate ? -1 : 1),
    )
    .slice(0, limit)
    .map((entry) => entry.candidate);
}
