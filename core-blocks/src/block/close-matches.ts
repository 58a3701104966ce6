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

/**
 * Candidates that look like `wanted`: within an edit distance of a third of its length (at least
 * 2), or containing it (or contained in it). Closest first, at most `limit`.
 */
export function closeMatches(wanted: string, candidates: Iterable<string>, limit = 3): string[] {
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  const scored: Array<{ candidate: string; distance: number }> = [];
  for (const candidate of candidates) {
    if (candidate === wanted) continue;
    const distance = editDistance(wanted, candidate);
    const related = candidate.includes(wanted) || wanted.includes(candidate);
    if (distance <= budget || related) scored.push({ candidate, distance });
  }
  return scored
    .sort(
      (left, right) =>
        left.distance - right.distance || (left.candidate < right.candidate ? -1 : 1),
    )
    .slice(0, limit)
    .map((entry) => entry.candidate);
}
