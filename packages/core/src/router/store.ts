/**
 * Where routing knowledge lives: per (provider, model) call counts, latency
 * and cooldowns. Asynchronous so that a shared implementation (Redis) can
 * stand behind the same interface and every worker and instance routes on
 * the same knowledge. Each operation maps onto atomic Redis commands:
 * `record` onto HINCRBY (plus a small script for the latency average),
 * `coolDown` onto SET with PX (the key expires by itself), `read` onto one
 * pipelined round trip.
 */
export interface ModelStats {
  readonly successes: number;
  readonly failures: number;
  /** epoch ms of the last failure; null = never failed */
  readonly lastFailureAt: number | null;
  /** moving average of time to first byte over successful calls; null = none yet */
  readonly latencyMs: number | null;
  /** epoch ms when the cooldown ends; null = not cooling down */
  readonly coolingUntil: number | null;
}

export interface RouterStore {
  /** Counts one call, once; a success's time to first byte updates the latency average. */
  record(key: string, ok: boolean, latencyMs?: number): Promise<void>;
  /** Keeps the key out of `auto` for `ms` from now (a later call extends or shortens it). */
  coolDown(key: string, ms: number): Promise<void>;
  /**
   * Stats for each key, in order (a key never recorded reads as zero calls).
   * The objects may be the store's own: read them, do not keep them.
   */
  read(keys: readonly string[]): Promise<readonly ModelStats[]>;
  /** every key with a record, for reports */
  keys(): Promise<string[]>;
}

/** Weight of the newest sample in the latency average: a few calls follow a change, one outlier does not swing it. */
export const LATENCY_WEIGHT = 0.2;

export const NO_STATS: ModelStats = Object.freeze({ successes: 0, failures: 0, lastFailureAt: null, latencyMs: null, coolingUntil: null });

type MutableStats = { -readonly [K in keyof ModelStats]: ModelStats[K] };

export interface MemoryStoreOptions {
  /** clock, for tests */
  now?: () => number;
  /** keys kept at most, least recently recorded dropped first (clients can name unlisted `provider/model` ids) */
  maxKeys?: number;
}

/** One process's store: a Map; cooldowns expire lazily when read. */
export class MemoryRouterStore implements RouterStore {
  private readonly stats = new Map<string, MutableStats>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  /** the key touched last, at the back of the Map */
  private newest: string | null = null;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  async record(key: string, ok: boolean, latencyMs?: number): Promise<void> {
    const s = this.touch(key);
    if (ok) {
      s.successes++;
      if (latencyMs !== undefined) s.latencyMs = s.latencyMs === null ? latencyMs : s.latencyMs + LATENCY_WEIGHT * (latencyMs - s.latencyMs);
    } else {
      s.failures++;
      s.lastFailureAt = this.now();
    }
  }

  async coolDown(key: string, ms: number): Promise<void> {
    this.touch(key).coolingUntil = this.now() + ms;
  }

  async read(keys: readonly string[]): Promise<readonly ModelStats[]> {
    const now = this.now();
    return keys.map((k) => {
      const s = this.stats.get(k);
      if (!s) return NO_STATS;
      if (s.coolingUntil !== null && s.coolingUntil <= now) s.coolingUntil = null;
      return s;
    });
  }

  async keys(): Promise<string[]> {
    return [...this.stats.keys()];
  }

  /** The key's entry, moved to the back of the Map (its eviction order). */
  private touch(key: string): MutableStats {
    let s = this.stats.get(key);
    // the newest already: no re-insertion (a busy model is recorded on every request)
    if (s && key === this.newest) return s;
    this.newest = key;
    if (s) this.stats.delete(key);
    else {
      s = { ...NO_STATS };
      if (this.stats.size >= this.maxKeys) this.stats.delete(this.stats.keys().next().value!);
    }
    this.stats.set(key, s);
    return s;
  }
}
