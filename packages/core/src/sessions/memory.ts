import type { NeutralMessage } from './neutral.js';
import { dropCount, type HistoryLimits, messageBytes, type SessionStore } from './store.js';

export interface MemorySessionOptions {
  /** ms since last use after which a session is gone */
  ttlMs: number;
  /** sessions kept at most, least recently used evicted first */
  maxSessions?: number;
  /** bytes of history kept at most across all sessions, least recently used evicted first */
  maxBytes?: number;
  /** clock, for tests */
  now?: () => number;
}

interface Entry {
  messages: NeutralMessage[];
  sizes: number[];
  bytes: number;
  usedAt: number;
}

/**
 * One process's sessions: a Map in least-recently-used order, bounded in
 * count and bytes as a whole so that minting session ids cannot exhaust
 * memory; expired sessions are swept on an unref'd timer (and never read).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Entry>();
  private bytes = 0;
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null;

  constructor(opts: MemorySessionOptions) {
    this.ttlMs = opts.ttlMs;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.ttlMs, 60_000)));
    this.timer.unref();
  }

  async get(key: string): Promise<NeutralMessage[]> {
    const e = this.live(key);
    if (!e) return [];
    this.touch(key, e);
    return e.messages.slice();
  }

  async append(key: string, turns: readonly NeutralMessage[], limits: HistoryLimits): Promise<void> {
    const e = this.live(key) ?? { messages: [], sizes: [], bytes: 0, usedAt: 0 };
    for (const t of turns) {
      const size = messageBytes(t);
      e.messages.push(t);
      e.sizes.push(size);
      e.bytes += size;
      this.bytes += size;
    }
    const drop = dropCount(e.sizes, e.messages, limits);
    if (drop) {
      const gone = e.sizes.splice(0, drop).reduce((a, b) => a + b, 0);
      e.messages.splice(0, drop);
      e.bytes -= gone;
      this.bytes -= gone;
    }
    this.touch(key, e);
    this.evict(key);
  }

  async clear(key: string): Promise<boolean> {
    const e = this.sessions.get(key);
    if (!e) return false;
    this.remove(key, e);
    return true;
  }

  async size(): Promise<number> {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private live(key: string): Entry | undefined {
    const e = this.sessions.get(key);
    if (e && this.now() - e.usedAt >= this.ttlMs) {
      this.remove(key, e);
      return undefined;
    }
    return e;
  }

  /** Marks use, and moves the session to the back of the Map (its eviction order). */
  private touch(key: string, e: Entry): void {
    e.usedAt = this.now();
    this.sessions.delete(key);
    this.sessions.set(key, e);
  }

  /** Least recently used first, until within both bounds; the session just written stays. */
  private evict(keep: string): void {
    for (const [key, e] of this.sessions) {
      if (this.sessions.size <= this.maxSessions && this.bytes <= this.maxBytes) return;
      if (key !== keep) this.remove(key, e);
    }
  }

  private remove(key: string, e: Entry): void {
    this.sessions.delete(key);
    this.bytes -= e.bytes;
  }

  private sweep(): void {
    const now = this.now();
    // the Map is in order of use: the first live one ends the sweep
    for (const [key, e] of this.sessions) {
      if (now - e.usedAt < this.ttlMs) return;
      this.remove(key, e);
    }
  }
}
