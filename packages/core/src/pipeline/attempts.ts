import { clockMs } from '../clock.js';
import { ProxyError, upstreamErrorMessage } from '../errors.js';
import { errorResponse, JSON_TYPE } from '../http/respond.js';
import { clientCredential, credentialOwner } from '../http/auth.js';
import { header, type CoreResponse, type HeaderMap } from '../http/types.js';
import { UPSTREAMS } from '../protocols/index.js';
import type { UpstreamSpec } from '../protocols/types.js';
import { isTransportError, transportError, ClientAbort } from '../providers/http.js';
import type { ForwardedHeaders, Provider, UpstreamResponse } from '../providers/types.js';
import type { Candidate, Router } from '../router/router.js';
import { bridgeFor, refusedReasoningEffort, type UpstreamRequest } from '../translate/index.js';
import { answerJson } from './answer.js';
import { type Attempt, recordFailure, Retry } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import type { ChatRequest } from './request.js';
import { answerStream, ERROR_BODY_BYTES, readText } from './stream.js';

/** Statuses another candidate may answer instead. */
const RETRYABLE = (status: number) => status === 401 || status === 403 || status === 404 || status === 408 || status === 429 || status >= 500;

/**
 * Attempts: the router's candidates in order, failing over before the first
 * byte reaches the client, bounded by `maxAttempts` and the request's
 * deadline; each candidate through the bridge of (client, its protocol).
 */
export async function attempts(req: ChatRequest, deps: PipelineDeps): Promise<CoreResponse> {
  const deadline = clockMs() + deps.deadlineMs;
  const plan = await deps.router.plan(req.model, { strict: req.strict, needsImages: req.needsImages });
  if (plan.first.length === 0) throw noCandidate(req.model, deps.router);

  let validated = false;
  let lastError: ProxyError | null = null;
  let tried = 0;
  /** who the client's credential is for, worked out at the first keyless candidate (bring-your-own-key) */
  let owner: Provider | null | undefined;
  const keyFor = (p: Provider): string | undefined => {
    if (deps.tokenSet) return undefined;
    const key = clientCredential(req.http.headers);
    if (key === undefined) return undefined;
    owner ??= credentialOwner(req.client.native, req.model, deps.router.catalog);
    return p === owner ? key : undefined;
  };

  // one attempt's call is inline (not a function of its own): an async step less per request, measured
  const tryEach = async (list: readonly Candidate[]): Promise<CoreResponse | null> => {
    for (const c of list) {
      const signal = req.http.signal;
      // the first attempt always runs
      if (tried >= deps.maxAttempts || signal.aborted || (tried > 0 && clockMs() >= deadline)) return null;
      tried++;
      const bridge = bridgeFor(req.client.name, c.provider.protocol);
      if (bridge.validates && !validated) {
        req.client.validate(req.body);
        validated = true;
      }
      const key = c.provider.keyless ? keyFor(c.provider) : undefined;
      const upstream = UPSTREAMS[c.provider.protocol];
      let out: CoreResponse | Retry | Refused;
      // a second pass only when the upstream refused reasoning_effort: left out for that model from then on
      for (let pass = 0; ; pass++) {
        const reasoning = bridge.validates ? (deps.noReasoning.has(c.key) ? false : c.model.reasoning) : undefined;
        const ctx = bridge.context(req.body, { model: c.model.id, defaultMaxTokens: deps.defaultMaxTokens, reasoning, log: deps.log });
        const up = bridge.request(req, ctx);
        const a: Attempt = { req, c, bridge, ctx, started: clockMs(), attempt: tried, sentKey: key !== undefined, sentReasoning: bridge.validates && carriesReasoning(up.body) };
        try {
          const res = await c.provider.chat({ body: up.body, path: up.path, headers: up.headers, stream: req.stream, forwarded: forwardedHeaders(req.http.headers, upstream, key), signal });
          const status = res.statusCode;
          // 2xx answers only: a redirect (never followed) or an odd status is the upstream's failure
          out = status < 200 || status >= 300 ? await refused(a, res) : req.stream ? await answerStream(a, res, upstream.framing, deps) : await answerJson(a, res, deps);
        } catch (e) {
          if (e instanceof ClientAbort || !isTransportError(e)) throw e; // our own bugs surface as 500s, not as the model's failures
          const err = transportError(e, c.provider.name, signal);
          if (err instanceof ClientAbort) throw err;
          // a provider at its concurrency bound is busy, not failing: try the next one without a cooldown
          out = new Retry(err, err.code !== 'provider_busy');
        }
        if (!(out instanceof Refused)) break;
        if (pass > 0) {
          out = out.retry;
          break;
        }
        deps.noReasoning.add(c.key);
        deps.log.info({ provider: c.provider.name, model: c.model.id }, 'model refused reasoning_effort; asking again without it');
      }
      if (!(out instanceof Retry)) return out;
      lastError = out.error;
      if (out.counts) recordFailure(deps, req, c, out.error, key);
    }
    return null;
  };
  // the fallback order is asked for only once the first candidates are used up
  const answer = (await tryEach(plan.first)) ?? (tried < deps.maxAttempts ? await tryEach(await plan.rest()) : null);
  if (answer) return answer;
  throw lastError ?? new ProxyError(503, 'no model could answer');
}

/** An upstream refused the request's `reasoning_effort`: worth one more try without it. */
class Refused {
  constructor(readonly retry: Retry | CoreResponse) {}
}

const carriesReasoning = (body: UpstreamRequest['body']) => typeof body === 'object' && !(body instanceof Uint8Array) && body.reasoning_effort !== undefined;

/** What a candidate's upstream may see of the client's headers: its protocol's forwarded ones, and the credential only where it is meant to go. */
export function forwardedHeaders(headers: HeaderMap, upstream: UpstreamSpec, credential: string | undefined): ForwardedHeaders {
  const f: ForwardedHeaders = {};
  if (credential !== undefined) f.credential = credential;
  for (const name of upstream.forwards) {
    const v = header(headers, name);
    if (v !== undefined) (f.headers ??= {})[name] = v;
  }
  return f;
}

/** An upstream error status: fail over when another candidate could answer, else hand it to the client. */
async function refused(a: Attempt, res: UpstreamResponse): Promise<CoreResponse | Retry | Refused> {
  const status = res.statusCode;
  if (status < 400) {
    res.body.destroy();
    return new Retry(new ProxyError(502, `${a.c.provider.name}: answered ${status} instead of an answer (redirects are not followed)`));
  }
  const text = await readText(res);
  const message = upstreamErrorMessage(text).message;
  const err = new ProxyError(status, `${a.c.provider.name}: ${message}`, null, null, retryAfter(res));
  // a 401/403 to the client's own key is about that key: no other candidate fixes it
  if (RETRYABLE(status) && !(a.sentKey && (status === 401 || status === 403))) return new Retry(err);
  const out = handOver(a, res, status, text, err);
  return a.sentReasoning && refusedReasoningEffort(status, message) ? new Refused(out) : out;
}

/** The request itself is wrong: another candidate would refuse it too, so the client gets it (a cut body not as it is). */
function handOver(a: Attempt, res: UpstreamResponse, status: number, text: string, err: ProxyError): CoreResponse {
  if (!a.bridge.validates && text.length < ERROR_BODY_BYTES && String(res.headers['content-type'] ?? '').includes('json')) {
    return { status, headers: { 'content-type': JSON_TYPE, ...err.headers }, body: text };
  }
  return errorResponse(a.req.client, err);
}

function retryAfter(res: UpstreamResponse): Record<string, string> {
  const v = res.headers['retry-after'];
  return typeof v === 'string' ? { 'retry-after': v } : {};
}

/** Why a request has no candidate at all: nothing configured is the operator's to fix, and no retry helps. */
function noCandidate(model: string, router: Router): ProxyError {
  if (router.catalog.providers.length === 0) {
    return new ProxyError(404, 'no provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY, add providers to a config file, or leave DEGPT_ENABLED unset for the default provider', 'model', 'no_provider_configured');
  }
  return new ProxyError(503, model === 'auto' ? 'no model is available right now' : `model "${model}" is not available and no other model can answer`, 'model');
}
