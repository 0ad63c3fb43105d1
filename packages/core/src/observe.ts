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
type Observed = CoreRequest & { [REC]?: RequestRecord };

/** The record of a request being observed, if any (for the route table to name the route). */
export const recordOf = (req: CoreRequest): RequestRecord | undefined => (req as Observed)[REC];

/** The hooks that fill a chat request's record and report failed calls. */
export function observerHooks(observer: Observer): ChatHooks {
  return {
    beforeAttempt(req) {
      const r = (req.http as Observed)[REC];
      if (r) {
        r.client = req.client.name;
        r.modelAsked = req.model;
      }
    },
    onAttemptFailure: observer.attemptFailed
      ? (_req, c, error) => observer.attemptFailed!({ provider: c.provider.name, model: c.model.id, kind: failureKind(error), status: error.status })
      : undefined,
  };
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
      id: id && id.length <= 200 ? id : randomUUID(),
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
      if (res.status === 200 && served !== undefined && res.body !== undefined) usageInto(rec, typeof res.body === 'string' ? res.body : Buffer.from(res.body.buffer, res.body.byteOffset, res.body.byteLength).toString('utf8'));
      observer.request(rec);
      return res;
    }
    rec.stream = true;
    observer.streams?.(1);
    res.stream = followed(res, rec, started, observer);
    return res;
  };
}

function followed(res: CoreResponse, rec: RequestRecord, started: number, observer: Observer): AsyncIterable<string | Uint8Array> {
  const inner = res.stream!;
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    rec.durationMs = performance.now() - started;
    rec.outcome = res.complete?.() ? 'complete' : 'cut';
    observer.streams?.(-1);
    observer.request(rec);
  };
  return {
    [Symbol.asyncIterator]() {
      const it = inner[Symbol.asyncIterator]();
      const seen = (r: IteratorResult<string | Uint8Array>) => {
        if (r.done) finish();
        else {
          rec.ttfbMs ??= performance.now() - started;
          const v = r.value;
          // usage rides in a few frames only: look for its key before decoding anything
          if (typeof v === 'string' ? v.includes('_tokens"') : Buffer.from(v.buffer, v.byteOffset, v.byteLength).includes('_tokens"')) {
            usageInto(rec, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
          }
        }
        return r;
      };
      return {
        next: () =>
          it.next().then(seen, (e: unknown) => {
            finish();
            throw e;
          }),
        return: (value?: unknown) => {
          finish();
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
}

const USAGE = /"(prompt_tokens|completion_tokens|input_tokens|output_tokens)":(\d+)/g;

/** Token counts from an answer or a stream frame of either protocol; a later count replaces an earlier one (they are totals). */
function usageInto(rec: RequestRecord, text: string): void {
  const at = text.indexOf('"usage"');
  if (at < 0) return;
  USAGE.lastIndex = at;
  for (let m = USAGE.exec(text); m; m = USAGE.exec(text)) {
    const n = Number(m[2]);
    if (m[1] === 'prompt_tokens' || m[1] === 'input_tokens') rec.tokensIn = n;
    else rec.tokensOut = n;
  }
}
