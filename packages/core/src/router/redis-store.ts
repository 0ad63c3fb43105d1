import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/connection.js';
import { LATENCY_WEIGHT, MemoryRouterStore, type ModelStats, NO_STATS, type RouterStore } from './store.js';

/**
 * Counts one call atomically: successes or failures by HINCRBY, the latency
 * average updated in the same step (a read-modify-write no other process can
 * interleave with), the key listed for reports.
 * KEYS: stats hash, key set. ARGV: ok (1/0), latency ms or '', now ms, weight, the router key.
 */
const RECORD = `
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[1], 's', 1)
  if ARGV[2] ~= '' then
    local sample = tonumber(ARGV[2])
    local prev = redis.call('HGET', KEYS[1], 'l')
    local next = sample
    if prev then next = tonumber(prev) + tonumber(ARGV[4]) * (sample - tonumber(prev)) end
    redis.call('HSET', KEYS[1], 'l', tostring(next))
  end
else
  redis.call('HINCRBY', KEYS[1], 'f', 1)
  redis.call('HSET', KEYS[1], 't', ARGV[3])
end
redis.call('SADD', KEYS[2], ARGV[5])
return 1`;

/**
 * Routing state in Redis: per (provider, model) a hash of counts and latency,
 * a cooldown as a key with a PX expiry. A cooldown learned by one process
 * holds in every other from its next request; a request's reads are one
 * pipelined round trip, writes are not awaited by it.
 */
export class RedisRouterStore implements RouterStore {
  constructor(private readonly redis: RedisConnection) {}

  private hash = (key: string) => this.redis.key(`r:{${key}}`);
  private cooling = (key: string) => this.redis.key(`r:{${key}}:cool`);
  private readonly set = () => this.redis.key('r:keys');

  async record(key: string, ok: boolean, latencyMs?: number): Promise<void> {
    await this.redis.run((r) => r.eval(RECORD, 2, this.hash(key), this.set(), ok ? '1' : '0', latencyMs === undefined ? '' : String(latencyMs), String(Date.now()), String(LATENCY_WEIGHT), key));
  }

  async coolDown(key: string, ms: number): Promise<void> {
    await this.redis.run((r) => r.set(this.cooling(key), String(Date.now() + ms), 'PX', Math.max(1, Math.round(ms))));
  }

  async read(keys: readonly string[]): Promise<readonly ModelStats[]> {
    if (keys.length === 0) return [];
    const res = await this.redis.run(async (r) => {
      const p = r.pipeline();
      for (const k of keys) p.hmget(this.hash(k), 's', 'f', 't', 'l').get(this.cooling(k));
      const replies = (await p.exec()) ?? [];
      // a pipeline resolves with each command's error inside: any one is the whole read's failure
      for (const [err] of replies) if (err) throw err;
      if (replies.length !== 2 * keys.length) throw new Error('redis: a reply is missing');
      return replies;
    });
    return keys.map((_, i) => {
      const h = res[2 * i]![1];
      const until = res[2 * i + 1]![1];
      const [s, f, t, l] = h as (string | null)[];
      if (s === null && f === null && until === null) return NO_STATS;
      return {
        successes: Number(s ?? 0),
        failures: Number(f ?? 0),
        lastFailureAt: t === null ? null : Number(t),
        latencyMs: l === null ? null : Number(l),
        coolingUntil: until === null ? null : Number(until),
      };
    });
  }

  async keys(): Promise<string[]> {
    return this.redis.run((r) => r.smembers(this.set()));
  }
}

/**
 * Redis first, this process's memory when Redis fails: every call is also
 * recorded in memory, so routing goes on with what this process learned
 * while Redis is away, and uses the shared state again as soon as it is back.
 */
export class FallbackRouterStore implements RouterStore {
  private readonly local = new MemoryRouterStore();

  constructor(
    private readonly shared: RouterStore,
    private readonly log: Logger,
  ) {}

  async record(key: string, ok: boolean, latencyMs?: number): Promise<void> {
    await this.local.record(key, ok, latencyMs);
    await this.shared.record(key, ok, latencyMs).catch(() => {});
  }

  async coolDown(key: string, ms: number): Promise<void> {
    await this.local.coolDown(key, ms);
    await this.shared.coolDown(key, ms).catch(() => {});
  }

  async read(keys: readonly string[]): Promise<readonly ModelStats[]> {
    try {
      return await this.shared.read(keys);
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'routing on this process\'s state: redis did not answer');
      return this.local.read(keys);
    }
  }

  async keys(): Promise<string[]> {
    try {
      return await this.shared.keys();
    } catch {
      return this.local.keys();
    }
  }
}
