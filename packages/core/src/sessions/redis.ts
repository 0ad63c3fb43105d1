import type { RedisConnection } from '../redis/connection.js';
import type { NeutralMessage } from './neutral.js';
import type { HistoryLimits, SessionStore } from './store.js';

/**
 * Appends, then trims from the front to the limits, never leaving a history
 * that starts on an answer or a tool result (each element's first character
 * says whether a turn may start there), and renews both keys' expiry: one
 * atomic step, with no read of the history. The byte total lives beside the
 * list, so the byte cap needs no read either.
 * KEYS: list, bytes. ARGV: ttl ms, max messages, max bytes, elements…
 */
const APPEND = `
local maxM, maxB = tonumber(ARGV[2]), tonumber(ARGV[3])
local bytes = tonumber(redis.call('GET', KEYS[2]) or '0')
for i = 4, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
  bytes = bytes + #ARGV[i]
end
local n = redis.call('LLEN', KEYS[1])
local dropped = false
while n > 0 and (n > maxM or bytes > maxB) do
  bytes = bytes - #redis.call('LPOP', KEYS[1])
  n = n - 1
  dropped = true
end
while dropped and n > 0 do
  local first = redis.call('LINDEX', KEYS[1], 0)
  if string.sub(first, 1, 1) == 'c' then break end
  bytes = bytes - #redis.call('LPOP', KEYS[1])
  n = n - 1
end
redis.call('SET', KEYS[2], bytes, 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n`;

/** 'c': a turn the history may start on (a user turn without tool results); 'n': any other. */
const element = (m: NeutralMessage) => (m.role === 'user' && !m.content.some((p) => p.type === 'tool_result') ? 'c' : 'n') + JSON.stringify(m);

/**
 * Sessions in Redis, shared by every worker and instance: a list per
 * session (`<prefix>s:{key}`, its byte total beside it), expiring by key TTL
 * `timeoutSeconds` after last use. Keys of one session share a hash tag, so
 * Redis Cluster keeps them on one node.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
  ) {}

  private keys(key: string): [list: string, bytes: string] {
    return [this.redis.key(`s:{${key}}`), this.redis.key(`s:{${key}}:bytes`)];
  }

  async get(key: string): Promise<NeutralMessage[]> {
    const [list, bytes] = this.keys(key);
    const rows = await this.redis.run(async (r) => {
      const res = await r.multi().lrange(list, 0, -1).pexpire(list, this.ttlMs).pexpire(bytes, this.ttlMs).exec();
      const [err, value] = res?.[0] ?? [new Error('redis: no reply'), null];
      if (err) throw err;
      return value as string[];
    });
    return rows.map((row) => JSON.parse(row.slice(1)) as NeutralMessage);
  }

  async append(key: string, turns: readonly NeutralMessage[], limits: HistoryLimits): Promise<void> {
    if (!turns.length) return;
    const [list, bytes] = this.keys(key);
    await this.redis.run((r) => r.eval(APPEND, 2, list, bytes, this.ttlMs, limits.maxMessages, limits.maxBytes, ...turns.map(element)));
  }

  async clear(key: string): Promise<boolean> {
    const [list, bytes] = this.keys(key);
    return (await this.redis.run((r) => r.del(list, bytes))) > 0;
  }

  async size(): Promise<number> {
    return this.redis.run(async (r) => {
      let n = 0;
      let cursor = '0';
      do {
        const [next, found] = await r.scan(cursor, 'MATCH', this.redis.key('s:{*}'), 'COUNT', 1000);
        cursor = next;
        n += found.filter((k) => !k.endsWith(':bytes')).length;
      } while (cursor !== '0');
      return n;
    });
  }

  async close(): Promise<void> {
    // the connection is the proxy's, closed once for every store on it
  }
}
