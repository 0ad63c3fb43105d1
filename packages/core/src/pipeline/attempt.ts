import { ProxyError } from '../errors.js';
import { JSON_TYPE, SSE_TYPE } from '../http/respond.js';
import type { Bridge } from '../translate/types.js';
import type { Candidate } from '../router/router.js';
import type { PipelineDeps } from './deps.js';
import type { ChatRequest } from './request.js';

/** A failed attempt: the next candidate may answer instead. */
export class Retry {
  constructor(
    readonly error: ProxyError,
    /** false when the upstream is not to blame (busy provider) */
    readonly counts = true,
  ) {}
}

/** One candidate being tried for a request. */
export interface Attempt {
  req: ChatRequest;
  c: Candidate;
  bridge: Bridge<unknown, unknown>;
  ctx: unknown;
  started: number;
  /** 1 for the first candidate tried */
  attempt: number;
  /** the client's own credential went with this call */
  sentKey: boolean;
  /** the upstream body carried `reasoning_effort` (an upstream may refuse it: see attempts.ts) */
  sentReasoning: boolean;
}

/**
 * An answer's headers, among them which model and provider answered after how many attempts. One
 * literal each: merging a shared header object with the per-attempt one (spread or Object.assign)
 * was a quarter of a passthrough stream's own CPU, measured in-process; a hook's headers are merged
 * only when a hook set some.
 */
export function answerHeaders(a: Attempt, stream: boolean): Record<string, string> {
  const model = a.c.model.id;
  const provider = a.c.provider.name;
  const attempts = String(a.attempt);
  const o = a.req.observation;
  if (o) {
    o.model = model;
    o.provider = provider;
    o.attempts = a.attempt;
  }
  const h: Record<string, string> = stream
    ? { 'content-type': SSE_TYPE, 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-ones-model': model, 'x-ones-provider': provider, 'x-ones-attempts': attempts }
    : { 'content-type': JSON_TYPE, 'x-ones-model': model, 'x-ones-provider': provider, 'x-ones-attempts': attempts };
  return a.req.headers ? Object.assign(h, a.req.headers) : h;
}

/**
 * Records a failed call; not awaited, so the next candidate never waits on the store. The log line names
 * the upstream's address (clients see only the provider's name) and masks the client's key an upstream echoed.
 */
export function recordFailure(deps: PipelineDeps, req: ChatRequest, c: Candidate, err: ProxyError, clientKey: string | undefined): void {
  const message = clientKey && clientKey.length >= 6 ? err.message.split(clientKey).join('[redacted]') : err.message;
  deps.log.warn({ provider: c.provider.name, upstream: c.provider.origin, model: c.model.id, status: err.status, err: message }, 'upstream attempt failed');
  void deps.router.record(c, 'failure');
  const fns = deps.hooks.onAttemptFailure;
  for (let i = 0; i < fns.length; i++) fns[i]!(req, c, err);
}
