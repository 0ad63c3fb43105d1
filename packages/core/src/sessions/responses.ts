/**
 * Kept answers for protocols that continue one by id (the Responses API's
 * `previous_response_id`, `store`): the request's whole input and the
 * answer, for the session TTL. A later request naming the answer gets that
 * conversation in front of its own input, so it works on any upstream; the
 * upstream never sees the id. See docs/responses.md.
 */
import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatHooks } from '../pipeline/hooks.js';
import type { ChatRequest } from '../pipeline/request.js';
import type { RedisConnection } from '../redis/connection.js';
import { sessionKey } from './feature.js';

export interface KeptAnswer {
  /** every item the answered request sent (a continued conversation included) */
  input: unknown[];
  /** the answer as the client got it */
  answer: Record<string, unknown>;
}

/** Where kept answers live, by a namespaced id; asynchronous so that Redis stands behind the same interface. */
export interface AnswerStore {
  get(key: string): Promise<KeptAnswer | null>;
  put(key: string, kept: KeptAnswer): Promise<void>;
  /** true when there was one */
  delete(key: string): Promise<boolean>;
}

export interface MemoryAnswerOptions {
  ttlMs: number;
  /** answers kept at most, least recently used evicted first */
  maxEntries?: number;
  /** bytes (of their JSON) kept at most, least recently used evicted first */
  maxBytes?: number;
  now?: () => number;
}

/** One process's kept answers: a Map in least-recently-used order, bounded in count and bytes, expired ones never read. */
export class MemoryAnswerStore implements AnswerStore {
  private readonly entries = new Map<string, { json: string; at: number }>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly opts: MemoryAnswerOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
  }

  async get(key: string): Promise<KeptAnswer | null> {
    const e = this.entries.get(key);
    if (!e) return null;
    this.remove(key);
    if (this.now() - e.at >= this.opts.ttlMs) return null;
    // reading counts as use
    this.entries.set(key, { json: e.json, at: this.now() });
    this.bytes += e.json.length;
    return JSON.parse(e.json) as KeptAnswer;
  }

  async put(key: string, kept: KeptAnswer): Promise<void> {
    const json = JSON.stringify(kept);
    this.remove(key);
    if (json.length > this.maxBytes) return;
    this.entries.set(key, { json, at: this.now() });
    this.bytes += json.length;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  async delete(key: string): Promise<boolean> {
    const e = this.entries.get(key);
    if (!e) return false;
    this.remove(key);
    return this.now() - e.at < this.opts.ttlMs;
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.json.length;
  }
}

/** Kept answers in Redis, shared by every worker and instance: one key each (`<prefix>r:{key}`), expiring by TTL since last use. */
export class RedisAnswerStore implements AnswerStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
  ) {}

  private k(key: string): string {
    return this.redis.key(`r:{${key}}`);
  }

  async get(key: string): Promise<KeptAnswer | null> {
    const json = await this.redis.run((r) => r.getex(this.k(key), 'PX', this.ttlMs));
    return json ? (JSON.parse(json) as KeptAnswer) : null;
  }

  async put(key: string, kept: KeptAnswer): Promise<void> {
    await this.redis.run((r) => r.set(this.k(key), JSON.stringify(kept), 'PX', this.ttlMs));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.run((r) => r.del(this.k(key)))) > 0;
  }
}

/** The store key of a kept answer: namespaced by the client's credential without TOKEN, as sessions are. */
export const answerKey = (id: string, req: { headers: ChatRequest['http']['headers'] }, tokenSet: boolean) => sessionKey(`response:${id}`, req.headers, tokenSet);

/**
 * Continuations as pipeline hooks, for the client protocols whose spec has a
 * `continuation`: before the first attempt, a named answer's conversation
 * goes in front of the request's input (an unknown id is a 404); after a
 * complete answer (streamed or not) that the request asked to keep, its input
 * and the answer are kept. A failed, cut or aborted answer keeps nothing.
 */
export function continuationHooks(f: { store: AnswerStore; tokenSet: boolean; log: Logger }): ChatHooks {
  const pending = new WeakMap<ChatRequest, unknown[]>();

  const keep = async (req: ChatRequest, answer: Record<string, unknown> | null) => {
    const input = pending.get(req);
    pending.delete(req);
    const c = req.client.continuation;
    if (!c || !input || !answer) return;
    const id = c.id(answer);
    if (!id) return;
    try {
      await f.store.put(answerKey(id, req.http, f.tokenSet), { input, answer });
    } catch (e) {
      f.log.warn({ err: (e as Error).message }, 'answer store failed: this answer was not kept');
    }
  };

  const load = async (req: ChatRequest, previous: string | null): Promise<void> => {
    const c = req.client.continuation!;
    let input = c.input(req.body);
    if (previous !== null) {
      const kept = await f.store.get(answerKey(previous, req.http, f.tokenSet));
      if (!kept) throw new ProxyError(404, `previous response "${previous}" is not stored here (it was never kept, or it expired)`, 'previous_response_id', 'previous_response_not_found');
      input = [...kept.input, ...c.output(kept.answer), ...input];
      req.rewrite(c.withInput(req.body, input));
    }
    if (c.stores(req.body)) {
      pending.set(req, input);
      req.assemble = true;
    }
  };

  return {
    beforeAttempt(req) {
      const c = req.client.continuation;
      if (!c) return undefined;
      const previous = c.previous(req.body);
      return previous === null && !c.stores(req.body) ? undefined : load(req, previous);
    },
    afterAnswer(req, answer) {
      return pending.has(req) ? keep(req, answer.json()) : undefined;
    },
    onStreamEnd(req, end) {
      if (!pending.has(req)) return undefined;
      if (end.kind === 'complete') return keep(req, end.answer);
      pending.delete(req);
      return undefined;
    },
  };
}
