import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';

export interface RedisSettings {
  url: string;
  /** prefix of every key, so several deployments can share one Redis */
  prefix: string;
  /** longest a command may take before the request goes on without it */
  commandTimeoutMs: number;
  /** passed to ioredis as they are (Sentinel, TLS details…) */
  options?: RedisOptions | undefined;
}

/**
 * One Redis client for a proxy's stores, loaded only when Redis is
 * configured (ioredis is imported on first use: the core stays light without
 * it). Nothing waits on a dead Redis: commands fail after a short timeout,
 * never queue while disconnected, and the client reconnects by itself with a
 * bounded backoff. An outage is logged once when it starts and once when it
 * ends, not per request.
 */
export class RedisConnection {
  private client: Promise<Redis> | null = null;
  private down = false;
  private closed = false;

  constructor(
    readonly settings: RedisSettings,
    private readonly log: Logger,
  ) {}

  /** the key of `name`, prefixed */
  key(name: string): string {
    return this.settings.prefix + name;
  }

  /** connected, and the last command (or connection attempt) did not fail */
  get up(): boolean {
    return this.readyOnce && !this.down;
  }

  redis(): Promise<Redis> {
    return (this.client ??= this.connect());
  }

  /** Runs a command on the client, recording the outage state; rejects as the command did. */
  async run<T>(command: (r: Redis) => Promise<T>): Promise<T> {
    const r = await this.redis();
    // the first connection is waited for (briefly); during an outage commands fail at once
    if (r.status !== 'ready' && !this.down && !this.readyOnce) await this.firstReady(r);
    try {
      const out = await command(r);
      this.recovered();
      return out;
    } catch (e) {
      this.failed(e as Error);
      throw e;
    }
  }

  private readyOnce = false;

  private firstReady(r: Redis): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        r.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.settings.commandTimeoutMs);
      r.once('ready', done);
    });
  }

  private async connect(): Promise<Redis> {
    const { Redis } = await import('ioredis');
    const r = new Redis(this.settings.url, {
      commandTimeout: this.settings.commandTimeoutMs,
      connectTimeout: Math.max(1000, this.settings.commandTimeoutMs * 5),
      // commands fail at once while disconnected instead of piling up
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // reconnect forever, backing off up to 2 s
      retryStrategy: (times) => Math.min(times * 100, 2000),
      ...this.settings.options,
    });
    r.on('error', (e: Error) => this.failed(e));
    r.on('ready', () => {
      this.readyOnce = true;
      this.recovered();
    });
    return r;
  }

  private failed(e: Error): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.log.warn({ err: e.message }, 'redis unavailable: sessions go without, routing uses this process\'s state; reconnecting');
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info({}, 'redis is back: shared sessions and routing state again');
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) (await c).disconnect();
  }
}
