import { randomUUID } from 'node:crypto';
import type { ProxyError } from './errors.js';
import { header, type CoreRequest, type CoreResponse } from './http/types.js';
import type { ChatHooks } from './pipeline/hooks.js';

/** What one request amounted to, reported once at its end (a stream's end for a stream). */
export interface RequestRecord {
  /** the client's x-request-id when it sent one, else generated; returned as x-request-id */
  id: string;
  method: string;
  path: string;
  /** the route's pattern ("/v1/chat/completions", "/api/v1/session/:id"); "unmatched" for no route */
  route: string;
  /** the client protocol of a chat request; null for other routes */
  client: string | null;
  /** the model the client asked for (chat requests) */
  modelAsked: string | null;
  /** the model and provider that answered, null when none did */
  model: string | null;
  provider: string | null;
  /** a bounded metrics label: the model served, else the model asked when it is a catalog model, else "other" ("none" off the chat routes) */
  modelLabel: string;
  attempts: number;
  status: number;
  stream: boolean;
  /** a stream's end: complete, or cut (client gone, upstream failed mid-way) */
  outcome: 'complete' | 'cut' | null;
  durationMs: number;
  /** until the first byte of the answer left the proxy (a stream's first chunk) */
  ttfbMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  sessionId: string | null;
}

/** A failed upstream call, with the kind of its failure. */
export interface AttemptFailure {
  provider: string;
  model: string;
  kind: 'connect' | 'timeout' | 'status' | 'invalid_answer';
  status: number;
}

/**
 * What operations plug into a proxy (`createProxy({ observer })`): metrics, an
 * access log. It sees each request once at its end, each failed upstream call,
 * streams starting and ending; it may serve /metrics. One observer may be
 * given to several proxies in turn (a reloaded config): what it counts goes on.
 */
export interface Observer {
  request(rec: RequestRecord): void;
  attemptFailed?(f: AttemptFailure): void;
  /** +1 when a stream starts, -1 when it ends */
  streams?(delta: 1 | -1): void;
  /** the Prometheus text of GET /metrics */
  metrics?(): Promise<{ contentType: string; body: string }>;
}

const REC = Symbol('ones.record');
/** generated request ids: this process's random prefix and a count (unique, and far cheaper than a UUID each) */
const ID_PREFIX = randomUUID().slice(0, 13);
let idCount = 0;
type Observed = CoreRequest & { [REC]?: RequestRecord };

/** The record of a request being observed, if any (for the route table to name the route). */
export const recordOf = (req: CoreRequest): RequestRecord | undefined => (req as Observed)[REC];

/** The hooks that fill a chat request's record, keep a stream's usage frames, and report failed calls. */
export function observerHooks(observer: Observer): ChatHooks {
  return {
    beforeAttempt(req) {
      const r = (req.http as Observed)[REC];
      if (r) {
        r.client = req.client.name;
        r.modelAsked = req.model;
      }
    },
    // usage rides in a stream's first frames (Anthropic's message_start) and its last ones: those are kept, read at the end
    onStreamChunk(req, chunk) {
      const r = (req.http as Observed)[REC];
      if (!r) return;
      const t = (r as Tracked).tail ??= { first: null, prev: null, last: null };
      if (t.first === null) t.first = chunk;
      else {
        t.prev = t.last;
        t.last = chunk;
      }
    },
    onStreamEnd(req, end) {
      const r = (req.http as Observed)[REC] as Tracked | undefined;
      if (!r) return;
      r.outcome = end.kind === 'complete' ? 'complete' : 'cut';
      // a cut stream has no later end to wait for; a complete one ends when its consumer is done (the wrapper's return)
      if (end.kind !== 'complete') r.finish?.();
    },
    onAttemptFailure: observer.attemptFailed
      ? (_req, c, error) => observer.attemptFailed!({ provider: c.provider.name, model: c.model.id, kind: failureKind(error), status: error.status })
      : undefined,
  };
}

type Chunk = string | Uint8Array;
interface Tracked extends RequestRecord {
  tail?: { first: Chunk | null; prev: Chunk | null; last: Chunk | null };
  finish?: () => void;
}

/** The kind of a failed call, from the error the pipeline made of it. */
export function failureKind(e: ProxyError): AttemptFailure['kind'] {
  const m = e.message;
  if (e.status === 504) return 'timeout';
  if (m.includes(' unreachable: ') || m.endsWith('the call was cut') || e.code === 'proxy_call_failed') return 'connect';
  if (m.includes('without a valid response') || m.includes('expected an event stream') || m.includes('instead of an answer') || m.includes('stream')) return 'invalid_answer';
  return 'status';
}

/**
 * Wraps a proxy's handler so that each request gets an id and a record,
 * reported once it is over. A stream is followed chunk by chunk for its first
 * byte, its usage and its end.
 */
export function observeHandler(
  dispatch: (req: CoreRequest) => Promise<CoreResponse>,
  observer: Observer,
  known: (model: string) => boolean,
): (req: CoreRequest) => Promise<CoreResponse> {
  return async (req) => {
    const started = performance.now();
    const id = header(req.headers, 'x-request-id');
    const rec: RequestRecord = {
      id: id && id.length <= 200 ? id : ID_PREFIX + '-' + (++idCount).toString(36).padStart(8, '0'),
      method: req.method,
      path: req.path,
      route: 'unmatched',
      client: null,
      modelAsked: null,
      model: null,
      provider: null,
      modelLabel: 'none',
      attempts: 0,
      status: 0,
      stream: false,
      outcome: null,
      durationMs: 0,
      ttfbMs: null,
      tokensIn: null,
      tokensOut: null,
      sessionId: null,
    };
    (req as Observed)[REC] = rec;
    const res = await dispatch(req);
    const h = res.headers;
    h['x-request-id'] = rec.id;
    rec.status = res.status;
    const served = h['x-ones-model'];
    if (served !== undefined) {
      rec.model = served;
      rec.provider = h['x-ones-provider'] ?? null;
      rec.attempts = Number(h['x-ones-attempts'] ?? 1);
    }
    rec.modelLabel = served ?? (rec.modelAsked === null ? 'none' : known(rec.modelAsked) ? rec.modelAsked : 'other');
    const session = h['x-ones-session'];
    if (session !== undefined && session !== 'unavailable') rec.sessionId = session;
    if (!res.stream) {
      rec.durationMs = rec.ttfbMs = performance.now() - started;
      if (res.status === 200 && served !== undefined && res.body !== undefined) usageOfChunk(rec, res.body);
      observer.request(rec);
      return res;
    }
    rec.stream = true;
    // the first chunk was looked at before the answer was committed: the stream's first byte leaves now
    rec.ttfbMs = performance.now() - started;
    observer.streams?.(1);
    res.stream = followed(res, rec, started, observer);
    return res;
  };
}

/**
 * A stream, reported when its consumer is done with it (the adapters call `return()` at the end) or when it
 * was cut. Chunks pass through untouched: no promise of its own per chunk.
 */
function followed(res: CoreResponse, rec: Tracked, started: number, observer: Observer): AsyncIterable<string | Uint8Array> {
  const inner = res.stream!;
  const finish = () => {
    if (rec.finish === undefined) return;
    rec.finish = undefined;
    rec.durationMs = performance.now() - started;
    rec.outcome ??= res.complete?.() ? 'complete' : 'cut';
    const t = rec.tail;
    if (t) for (const c of [t.first, t.prev, t.last]) if (c !== null) usageOfChunk(rec, c);
    rec.tail = undefined;
    observer.streams?.(-1);
    observer.request(rec);
  };
  rec.finish = finish;
  return whenReturned(inner, finish);
}

/**
 * The same stream, calling `done` when its consumer returns it (the adapters do at its end, however it
 * ended). Chunks pass through untouched: no promise of its own per chunk.
 */
export function whenReturned<T>(inner: AsyncIterable<T>, done: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = inner[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: (value?: unknown) => {
          done();
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined as T });
        },
      };
    },
  };
}

/** The usage in an answer or a frame: bytes are searched as they are, and only what follows `"usage"` is decoded (its keys and digits are ASCII). */
function usageOfChunk(rec: RequestRecord, c: Chunk): void {
  if (typeof c === 'string') return usageInto(rec, c, c.indexOf('"usage"'));
  const b = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  const at = b.indexOf('"usage"');
  if (at >= 0) usageInto(rec, b.toString('latin1', at, at + 600), 0);
}

const USAGE = /"(prompt_tokens|completion_tokens|input_tokens|output_tokens)":(\d+)/g;

/** Token counts from an answer or a stream frame of either protocol; a later count replaces an earlier one (they are totals). */
function usageInto(rec: RequestRecord, text: string, at: number): void {
  if (at < 0) return;
  USAGE.lastIndex = at;
  for (let m = USAGE.exec(text); m; m = USAGE.exec(text)) {
    const n = Number(m[2]);
    if (m[1] === 'prompt_tokens' || m[1] === 'input_tokens') rec.tokensIn = n;
    else rec.tokensOut = n;
  }
}
