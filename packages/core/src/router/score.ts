/**
 * How `auto` ranks models: pure functions, no state.
 *
 * A model's record is its successes and failures. The score is a pessimistic
 * estimate of its success probability: the posterior of a Beta(2, 1) prior
 * updated with the record, minus one posterior standard deviation.
 *
 * - The prior (mean 2/3, the weight of three calls) says a listed model
 *   usually works: a model with no record scores 0.43, above one that
 *   answered 3 of 10 calls (0.26) or 5 of 10 (0.41), so a new model is not
 *   ranked behind proven bad ones.
 * - Subtracting the deviation distrusts little evidence: one lucky call (1/1,
 *   0.56) ranks below 7 of 10 (0.57) and far below 95 of 100 (0.92); the
 *   penalty fades as calls accumulate, like a Wilson lower bound's.
 * - It moves the right way: a success always raises it, a failure always
 *   lowers it.
 *
 * The score never makes a new model outrank a proven good one; the router
 * tries an untried model once instead (see `Router`), so neither rule has to
 * bend the other.
 */

const PRIOR_SUCCESSES = 2;
const PRIOR_FAILURES = 1;

/** Scores closer than this are the same evidence: the faster model should win. */
export const SCORE_RESOLUTION = 0.01;

/** Pessimistic success probability of a model with this record, in [0, 1). */
export function successScore(successes: number, failures: number): number {
  const a = successes + PRIOR_SUCCESSES;
  const b = failures + PRIOR_FAILURES;
  const n = a + b;
  const mean = a / n;
  const sd = Math.sqrt((a * b) / (n * n * (n + 1)));
  return Math.max(0, mean - sd);
}

/** What ranking compares; `latencyMs` null = not measured yet. */
export interface Rankable {
  score: number;
  latencyMs: number | null;
}

/** Lower latency first; an unmeasured one counts as fastest, so that it gets measured. */
const byLatency = (x: Rankable, y: Rankable) => (x.latencyMs ?? 0) - (y.latencyMs ?? 0);

/**
 * Sorts in place, best first: by score, and among scores within
 * SCORE_RESOLUTION of the best of their group, by latency. Groups are cut
 * from the top down, so the order is well defined (a "closer than"
 * comparator would not be transitive) and has no fixed bucket edges. The
 * sorts are stable: equal items keep their order.
 */
export function rankInPlace<T extends Rankable>(items: T[]): T[] {
  items.sort((x, y) => y.score - x.score);
  for (let i = 0; i < items.length; ) {
    let j = i + 1;
    while (j < items.length && items[i]!.score - items[j]!.score < SCORE_RESOLUTION) j++;
    if (j - i > 1) {
      const group = items.slice(i, j).sort(byLatency);
      for (let k = 0; k < group.length; k++) items[i + k] = group[k]!;
    }
    i = j;
  }
  return items;
}
