/**
 * How `auto` ranks models: pure functions, no state.
 *
 * A model's record is its successes and failures. The score is a pessimistic
 * estimate of its success probability: the posterior of a Beta(2, 1) prior
 * updated with the record, minus one posterior standard deviation.
 *
 * - The prior (mean 2/3, the weight of three calls) says a listed model
 *   usually works: a model with no record scores 0.43, above one that failed
 *   3 of 10 calls (0.26) or half of them (0.41), so a new model is not ranked
 *   behind proven bad ones.
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

/**
 * Orders better first: higher score, then (on a tie within SCORE_RESOLUTION)
 * lower latency. An unmeasured latency counts as fastest, so that it gets
 * measured. Scores are compared in whole steps, which keeps the order
 * transitive (a plain "closer than" test is not).
 */
export function compareRank(x: Rankable, y: Rankable): number {
  const bx = Math.round(x.score / SCORE_RESOLUTION);
  const by = Math.round(y.score / SCORE_RESOLUTION);
  if (bx !== by) return by - bx;
  return (x.latencyMs ?? 0) - (y.latencyMs ?? 0);
}
