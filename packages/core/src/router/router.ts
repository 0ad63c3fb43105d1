import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Catalog, CatalogEntry } from './catalog.js';
import { rankInPlace, successScore, type Rankable } from './score.js';
import type { ModelStats, RouterStore } from './store.js';

export type Candidate = CatalogEntry;

export interface PlanOptions {
  /** `x-ones-strict`: only the requested model, or an error saying why not */
  strict: boolean;
  /** the request carries images: only models that take them */
  needsImages: boolean;
}

export type Outcome = 'success' | 'failure';

/** Candidates in order: `first` now, `rest()` only when all of those failed. */
export interface Plan {
  first: Candidate[];
  rest(): Promise<Candidate[]>;
}

const NO_ENTRIES: readonly Candidate[] = [];
const NOTHING_MORE = async (): Promise<Candidate[]> => [];
const RECORDED = Promise.resolve();

export interface RouterOptions {
  store: RouterStore;
  /** how long a (provider, model) that failed stays out of `auto`; 0 = never */
  cooldownMs: number;
  log: Logger;
  /** clock, for tests (the store has its own) */
  now?: () => number;
}

/** One model's record as the stats route reports it. */
export interface ModelReport {
  /** `provider/model` */
  id: string;
  provider: string;
  model: string;
  calls: number;
  successes: number;
  failures: number;
  /** null before the first call */
  successRate: number | null;
  score: number;
  latencyMs: number | null;
  lastFailureAt: number | null;
  coolingUntil: number | null;
}

interface Ranked extends Rankable {
  entry: Candidate;
  untried: boolean;
}

const rankOf = (entry: Candidate, s: ModelStats): Ranked => ({
  entry,
  score: successScore(s.successes, s.failures),
  latencyMs: s.latencyMs,
  untried: s.successes + s.failures === 0,
});

/**
 * Picks the ordered candidates for a request and learns from how each call
 * went. The order is the whole policy: the pipeline tries candidates in it,
 * failing over before the first byte, and reports each call back once.
 */
export class Router {
  private readonly store: RouterStore;
  private readonly cooldownMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    readonly catalog: Catalog,
    opts: RouterOptions,
  ) {
    this.store = opts.store;
    this.cooldownMs = opts.cooldownMs;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
  }

  /**
   * `auto`: every model that fits and is not cooling down, best first.
   * A fixed model: its providers that are not cooling down first; `auto`'s
   * order for the others is worked out only if those fail (`rest`), so the
   * common request reads the stats of its own model alone. An unknown or
   * cooling fixed model falls back to `auto`.
   * Strict: only the fixed model; 404 when unknown, 503 when cooling down.
   */
  async plan(requested: string, opts: PlanOptions): Promise<Plan> {
    await this.catalog.whenLoaded();
    if (requested === 'auto') return { first: await this.auto(opts.needsImages, NO_ENTRIES, true), rest: NOTHING_MORE };
    const fixed = this.catalog.find(requested);
    if (opts.strict) {
      if (fixed.length === 0) throw new ProxyError(404, `model "${requested}" is not served here`, 'model', 'model_not_found');
      return { first: (await this.rank(fixed, opts.needsImages, requested, true)).map((r) => r.entry), rest: NOTHING_MORE };
    }
    const first = fixed.length ? (await this.rank(fixed, opts.needsImages, requested, false)).map((r) => r.entry) : [];
    if (first.length === 0) return { first: await this.auto(opts.needsImages, fixed, true), rest: NOTHING_MORE };
    return { first, rest: () => this.auto(opts.needsImages, fixed, false) };
  }

  /**
   * Records one finished call: counts, latency, and on failure a cooldown.
   * Never rejects and need not be awaited: a store error is logged, not the
   * request's problem.
   */
  record(c: Candidate, outcome: Outcome, ttfbMs?: number): Promise<void> {
    // state only for catalog models: ids a client makes up must not grow the store or the stats
    if (!c.listed) return RECORDED;
    const done =
      outcome === 'success'
        ? this.store.record(c.key, true, ttfbMs)
        : Promise.all([this.store.record(c.key, false), this.cooldownMs > 0 ? this.store.coolDown(c.key, this.cooldownMs) : undefined]);
    return done.then(
      () => {},
      (e) => this.log.warn({ model: c.key, err: (e as Error).message }, 'router store failed to record a call'),
    );
  }

  /** Every listed model and every other one with a record, in `auto`'s order of preference. */
  async stats(): Promise<ModelReport[]> {
    await this.catalog.whenLoaded();
    const keys = this.catalog.entries().map((e) => e.key);
    const listed = new Set(keys);
    for (const k of await this.store.keys()) if (!listed.has(k)) keys.push(k);
    const stats = await this.store.read(keys);
    return rankInPlace(keys.map((k, i) => report(k, stats[i]!)));
  }

  /**
   * The entries that fit and are not cooling down, with their scores, best
   * first (a stable sort: equal ones keep catalog order). With `explain`,
   * throws when there are entries but none can take the request now, saying
   * why; `strictModel` names the model a strict request insists on.
   */
  private async rank(entries: readonly Candidate[], needsImages: boolean, strictModel: string | null, explain: boolean): Promise<Ranked[]> {
    const fits = needsImages ? entries.filter((e) => e.acceptsImages) : entries;
    if (fits.length === 0 && entries.length > 0 && explain) {
      throw new ProxyError(400, strictModel ? `model "${strictModel}" does not accept image input` : 'no model served here accepts image input', 'messages');
    }
    const stats = await this.store.read(fits.map((e) => e.key));
    const live: Ranked[] = [];
    let nextFree: number | null = null;
    for (let i = 0; i < fits.length; i++) {
      const s = stats[i]!;
      if (s.coolingUntil === null) live.push(rankOf(fits[i]!, s));
      else if (nextFree === null || s.coolingUntil < nextFree) nextFree = s.coolingUntil;
    }
    rankInPlace(live);
    if (live.length === 0 && nextFree !== null && explain) {
      const seconds = Math.max(1, Math.ceil((nextFree - this.now()) / 1000));
      const what = strictModel ? `model "${strictModel}" is` : 'every model that could answer is';
      throw new ProxyError(503, `${what} cooling down after a failure; retry in ${seconds}s`, null, null, { 'retry-after': String(seconds) });
    }
    return live;
  }

  /** `auto`'s order over the catalog less `exclude` (the models already tried). */
  private async auto(needsImages: boolean, exclude: readonly Candidate[], explain: boolean): Promise<Candidate[]> {
    const all = this.catalog.entries();
    const pool = exclude.length ? all.filter((e) => !exclude.includes(e)) : all;
    return this.autoOrder(await this.rank(pool, needsImages, null, explain));
  }

  /**
   * Ranked order, except that one untried model (if any) goes first: a score
   * alone would never let a new model past a proven one, so each model gets a
   * first call, and failover covers the request if that call fails.
   */
  private autoOrder(ranked: readonly Ranked[]): Candidate[] {
    const out = ranked.map((x) => x.entry);
    const probe = ranked.findIndex((x) => x.untried);
    if (probe > 0) out.unshift(...out.splice(probe, 1));
    return out;
  }
}

function report(key: string, s: ModelStats): ModelReport {
  const slash = key.indexOf('/');
  const calls = s.successes + s.failures;
  return {
    id: key,
    provider: key.slice(0, slash),
    model: key.slice(slash + 1),
    calls,
    successes: s.successes,
    failures: s.failures,
    successRate: calls === 0 ? null : s.successes / calls,
    score: successScore(s.successes, s.failures),
    latencyMs: s.latencyMs,
    lastFailureAt: s.lastFailureAt,
    coolingUntil: s.coolingUntil,
  };
}
