import { ProxyError, badRequest, upstreamErrorMessage, type Protocol } from '../errors.js';
import { decodeJson, nestedDeeperThan, MAX_JSON_DEPTH } from './json-body.js';
import type { Logger } from '../logger.js';
import { ClientAbort, isTransportError, transportError } from '../providers/http.js';
import type { ForwardedHeaders, Provider, UpstreamResponse } from '../providers/types.js';
import type { Candidate, Router } from '../router/router.js';
import { modelIdProblem } from '../router/catalog.js';
import { type Bridge, bridge, createContext, type TranslateContext } from '../translate/index.js';
import { parseOpenAIRequest } from '../protocols/openai/types.js';
import { parseAnthropicRequest } from '../protocols/anthropic/types.js';
import { clientCredential, credentialOwner } from './auth.js';
import { errorResponse, HEARTBEAT, JSON_TYPE, SSE_TYPE } from './respond.js';
import { isErrorEvent, pumpStream } from './stream.js';
import { header, type CoreRequest, type CoreResponse } from './types.js';
import type { AbortSignalLike } from './signal.js';
import type { StreamRedactor } from '../secrets.js';

export interface ChatDeps {
  router: Router;
  log: Logger;
  maxAttempts: number;
  /** ms from a request's arrival after which no further candidate is tried */
  deadlineMs: number;
  maxBodyBytes: number;
  /** TOKEN is set: the client's credential is the proxy's and never goes upstream */
  tokenSet: boolean;
  /** max_tokens for Anthropic upstreams when an OpenAI client gave none */
  defaultMaxTokens: number;
  /** keep-alive period of streams; also how long the first chunk is awaited before committing */
  heartbeatMs: number;
  /** masks configured secrets in text an upstream sent */
  redact: (text: string) => string;
  /** the same for passed-through stream bytes; null when no secret is configured */
  streamRedactor: (() => StreamRedactor) | null;
}

interface ChatBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
}

const RETRYABLE = (status: number) => status === 401 || status === 403 || status === 404 || status === 408 || status === 429 || status >= 500;

/** The few fields routing needs, checked by hand: the full schema runs only where a translation needs it. */
export function checkChatBody(parsed: unknown): ChatBody {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('request body must be a JSON object');
  const body = parsed as Record<string, unknown>;
  const model = body.model;
  if (model === undefined || model === null || model === '') throw badRequest('model: required', 'model');
  if (typeof model !== 'string') throw badRequest('model: must be a string', 'model');
  const problem = modelIdProblem(model);
  if (problem) throw badRequest(`model: ${problem}`, 'model');
  if (!Array.isArray(body.messages)) throw badRequest(body.messages === undefined ? 'messages: required' : 'messages: must be an array', 'messages');
  if (body.messages.length === 0) throw badRequest('messages: must hold at least one message', 'messages');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  return { body, model, stream: body.stream === true };
}

/** Does any message carry an image part? (only models that accept images may take it) */
export function hasImages(messages: unknown[]): boolean {
  for (const m of messages) {
    const content = (m as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const p of content) {
      const t = (p as { type?: unknown } | null)?.type;
      if (t === 'image_url' || t === 'image') return true;
    }
  }
  return false;
}

/** What a candidate's upstream may see of the client's headers; `credential` only for the provider it is meant for. */
export function forwardedHeaders(req: CoreRequest, c: Candidate, credential: string | undefined): ForwardedHeaders {
  const f: ForwardedHeaders = {};
  if (credential !== undefined) f.credential = credential;
  if (c.provider.protocol === 'anthropic') {
    f.anthropicVersion = header(req.headers, 'anthropic-version');
    f.anthropicBeta = header(req.headers, 'anthropic-beta');
  }
  return f;
}

/** Enough of an error body for its message (and for passing a small one on); the rest is not read. */
const ERROR_BODY_BYTES = 64 * 1024;

async function readText(res: UpstreamResponse): Promise<string> {
  try {
    return await res.body.textUpTo(ERROR_BODY_BYTES);
  } catch {
    return '';
  }
}

/** A failed attempt: the next candidate may answer instead. */
class Retry {
  constructor(
    readonly error: ProxyError,
    /** false when the upstream is not to blame (busy provider) */
    readonly counts = true,
  ) {}
}

interface Attempt {
  c: Candidate;
  client: Protocol;
  /** null: same protocol, bytes pass through */
  ctx: TranslateContext | null;
  started: number;
  /** 1 for the first candidate tried */
  attempt: number;
  /** the client's own credential went with this call */
  sentKey: boolean;
}

/**
 * An answer's headers, among them which model and provider answered after how many attempts. One
 * literal each: merging a shared header object with the per-attempt one (spread or Object.assign)
 * was a quarter of a passthrough stream's own CPU, measured in-process.
 */
function answerHeaders(a: Attempt, stream: boolean): Record<string, string> {
  const model = a.c.model.id;
  const provider = a.c.provider.name;
  const attempts = String(a.attempt);
  return stream
    ? { 'content-type': SSE_TYPE, 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-ones-model': model, 'x-ones-provider': provider, 'x-ones-attempts': attempts }
    : { 'content-type': JSON_TYPE, 'x-ones-model': model, 'x-ones-provider': provider, 'x-ones-attempts': attempts };
}

/**
 * One chat request, in either client protocol: route, try candidates in order
 * (failing over before the first byte reaches the client), translate when the
 * candidate speaks the other protocol, stream or answer back.
 */
export async function handleChat(client: Protocol, req: CoreRequest, deps: ChatDeps): Promise<CoreResponse> {
  const deadline = performance.now() + deps.deadlineMs;
  const raw = await req.readBody(deps.maxBodyBytes);
  const { body, model, stream } = checkChatBody(decodeJson(raw));
  const strict = /^(1|true)$/i.test(header(req.headers, 'x-ones-strict') ?? '');
  const plan = await deps.router.plan(model, { strict, needsImages: hasImages(body.messages as unknown[]) });
  if (plan.first.length === 0) throw noCandidate(model, deps.router);

  let validated = false;
  let lastError: ProxyError | null = null;
  let attempts = 0;
  /** who the client's credential is for, worked out at the first keyless candidate (bring-your-own-key) */
  let owner: Provider | null | undefined;
  const keyFor = (p: Provider): string | undefined => {
    if (!p.keyless || deps.tokenSet) return undefined;
    const key = clientCredential(req.headers);
    if (key === undefined) return undefined;
    owner ??= credentialOwner(client, model, deps.router.catalog);
    return p === owner ? key : undefined;
  };
  /** Tries candidates in order; the answer, or null when they all failed or the bounds were reached. */
  const tryEach = async (list: readonly Candidate[]): Promise<CoreResponse | null> => {
    for (const c of list) {
      // failover is bounded by attempts and by the request's deadline (the first attempt always runs)
      if (attempts >= deps.maxAttempts || req.signal.aborted || (attempts > 0 && performance.now() >= deadline)) return null;
      attempts++;
      const translate = c.provider.protocol !== client;
      if (translate && !validated) {
        // translation needs the whole shape right; a bad field is the client's 400, not an upstream's failure
        if (client === 'openai') parseOpenAIRequest(body);
        else parseAnthropicRequest(body);
        validated = true;
      }
      // passthrough needs no context: no token estimate, no maps
      const ctx = translate ? createContext(client, body, c.model.id, deps.defaultMaxTokens) : null;
      const upstreamBody = ctx
        ? translatedBody(bridge(client, c.provider.protocol).request(body, ctx), c.model.id, stream)
        : c.model.id === model
          ? raw // untouched bytes: no re-serialisation on the passthrough path
          : { ...body, model: c.model.id };
      const key = c.provider.keyless ? keyFor(c.provider) : undefined;
      const a: Attempt = { c, client, ctx, started: performance.now(), attempt: attempts, sentKey: key !== undefined };
      let out: CoreResponse | Retry;
      try {
        const res = await c.provider.chat({ body: upstreamBody, stream, forwarded: forwardedHeaders(req, c, key), signal: req.signal });
        const status = res.statusCode;
        // 2xx answers only: a redirect (never followed) or an odd status is the upstream's failure
        out = status < 200 || status >= 300 ? await refused(a, res) : stream ? await answerStream(a, res, req, deps) : await answerJson(a, res, req.signal, deps);
      } catch (e) {
        if (e instanceof ClientAbort || !isTransportError(e)) throw e; // our own bugs surface as 500s, not as the model's failures
        const err = transportError(e, c.provider.name, req.signal);
        if (err instanceof ClientAbort) throw err;
        // a provider at its concurrency bound is busy, not failing: try the next one without a cooldown
        out = new Retry(err, err.code !== 'provider_busy');
      }
      if (!(out instanceof Retry)) return out;
      lastError = out.error;
      if (out.counts) fail(deps, c, out.error, key);
    }
    return null;
  };
  // the fallback order is asked for only once the first candidates are used up
  const answer = (await tryEach(plan.first)) ?? (attempts < deps.maxAttempts ? await tryEach(await plan.rest()) : null);
  if (answer) return answer;
  throw lastError ?? new ProxyError(503, 'no model could answer');
}

/** A translated request is a fresh object of ours: model and stream are set on it rather than spread into a copy (the copy showed in profiles). */
function translatedBody(body: Record<string, unknown>, model: string, stream: boolean): Record<string, unknown> {
  body.model = model;
  body.stream = stream;
  return body;
}

/** An upstream error status: fail over when another candidate could answer, else hand it to the client. */
async function refused(a: Attempt, res: UpstreamResponse): Promise<CoreResponse | Retry> {
  const status = res.statusCode;
  if (status < 400) {
    res.body.destroy();
    return new Retry(new ProxyError(502, `${a.c.provider.name}: answered ${status} instead of an answer (redirects are not followed)`));
  }
  const text = await readText(res);
  const err = new ProxyError(status, `${a.c.provider.name}: ${upstreamErrorMessage(text).message}`, null, null, retryAfter(res));
  // a 401/403 to the client's own key is about that key: no other candidate fixes it
  if (RETRYABLE(status) && !(a.sentKey && (status === 401 || status === 403))) return new Retry(err);
  // the request itself is wrong: another candidate would refuse it too (a cut body is not passed on as it is)
  if (!a.ctx && text.length < ERROR_BODY_BYTES && String(res.headers['content-type'] ?? '').includes('json')) {
    return { status, headers: { 'content-type': JSON_TYPE, ...err.headers }, body: text };
  }
  return errorResponse(a.client, err);
}

async function answerJson(a: Attempt, res: UpstreamResponse, signal: AbortSignalLike, deps: ChatDeps): Promise<CoreResponse | Retry> {
  const ttfb = performance.now() - a.started;
  const buf = await res.body.bytes();
  const invalid = (why: string) => new Retry(new ProxyError(502, `${a.c.provider.name}: answered 200 without a valid response (${why})`));
  let body: string | Buffer = buf;
  if (!a.ctx) {
    // passthrough: the bytes go out as they came; a framing check catches an error object or a cut body without parsing
    const shape = answerShape(buf);
    if (shape) return invalid(shape === 'error' ? upstreamErrorMessage(buf.toString('utf8', 0, 2000)).message : 'not a JSON object');
  } else {
    const translated = translateAnswer(buf, a.ctx, bridge(a.client, a.c.provider.protocol), invalid);
    if (translated instanceof Retry) return translated;
    body = translated;
  }
  if (signal.aborted) throw new ClientAbort();
  void deps.router.record(a.c, 'success', ttfb);
  return { status: 200, headers: answerHeaders(a, false), body };
}

/** The client's JSON for an upstream's answer: the plain answer's template when it is one, else parse, translate, stringify. */
function translateAnswer(buf: Buffer, ctx: TranslateContext, b: Bridge, invalid: (why: string) => Retry): string | Retry {
  const text = buf.toString('utf8');
  const plain = b.plainAnswer?.(text, ctx) ?? null;
  if (plain !== null) return plain;
  // what follows recurses over the answer (zod, the translation, JSON.stringify)
  if (nestedDeeperThan(buf)) return invalid(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return invalid((e as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || 'error' in parsed || (parsed as { type?: unknown }).type === 'error') {
    return invalid(upstreamErrorMessage(text.slice(0, 2000)).message);
  }
  try {
    return JSON.stringify(b.response(parsed, ctx));
  } catch (e) {
    if (e instanceof ProxyError) return new Retry(e);
    throw e;
  }
}

async function answerStream(a: Attempt, res: UpstreamResponse, req: CoreRequest, deps: ChatDeps): Promise<CoreResponse | Retry> {
  const { c, client } = a;
  const contentType = String(res.headers['content-type'] ?? '');
  if (!contentType.includes('text/event-stream')) {
    const text = await readText(res);
    return new Retry(new ProxyError(502, `${c.provider.name}: expected an event stream, got ${contentType || 'no content-type'} (${upstreamErrorMessage(text).message})`));
  }
  // look at the first chunk before committing, so an upstream that fails at once can still fail over;
  // wait at most one heartbeat period: after that the client gets keep-alives instead (no timer when it is here already)
  const ready = res.body.ready?.() === true;
  const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const head = it.next();
  const first = ready ? await head : await within(head, deps.heartbeatMs);
  if (first && !first.done && startsWithError(first.value)) {
    const text = Buffer.from(first.value).toString('utf8') + (await readText(res));
    res.body.destroy();
    return new Retry(new ProxyError(502, `${c.provider.name}: ${upstreamErrorMessage(text.replace(/^(event: error\s*)?data: /, '')).message}`));
  }
  // a stream's time to first byte is its first chunk (headers may come before the model starts)
  let firstByteMs = performance.now() - a.started;
  if (!first) head.then(() => (firstByteMs = performance.now() - a.started), () => {});
  const progress = { complete: false };
  const stream = pumpStream({
    progress,
    rest: it,
    head,
    client,
    upstream: c.provider.protocol,
    origin: c.provider.name,
    translator: a.ctx ? bridge(client, c.provider.protocol).stream(a.ctx) : null,
    signal: req.signal,
    release: () => res.body.destroy(),
    scrub: a.ctx ? null : (deps.streamRedactor?.() ?? null),
    redact: deps.redact,
    idleMs: c.provider.idleMs,
    onEnd: (o) => {
      if (o.kind === 'complete') void deps.router.record(c, 'success', firstByteMs);
      else if (o.kind === 'failed') fail(deps, c, o.error, a.sentKey ? clientCredential(req.headers) : undefined);
      else deps.log.debug({ provider: c.provider.name, model: c.model.id }, 'client left mid-stream; upstream released');
    },
  });
  return {
    status: 200,
    headers: answerHeaders(a, true),
    stream,
    heartbeat: { frame: HEARTBEAT[client], everyMs: deps.heartbeatMs },
    complete: () => progress.complete,
  };
}

/**
 * Why a passthrough body is not an answer, or null when it looks like one: a
 * JSON object from its first to its last byte, not starting as an error
 * object of either protocol (`{"error":…}`, `{"type":"error",…}`).
 */
export function answerShape(buf: Buffer): 'error' | 'shape' | null {
  let i = 0;
  let j = buf.length - 1;
  while (i <= j && (buf[i] === 32 || buf[i] === 10 || buf[i] === 13 || buf[i] === 9)) i++;
  while (j >= i && (buf[j] === 32 || buf[j] === 10 || buf[j] === 13 || buf[j] === 9)) j--;
  if (buf[i] !== 123 || buf[j] !== 125) return 'shape';
  const head = buf.toString('latin1', i, Math.min(j, i + 40)).replace(/\s+/g, '');
  return head.startsWith('{"error"') || head.startsWith('{"type":"error"') ? 'error' : null;
}

function startsWithError(chunk: Uint8Array): boolean {
  const s = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1', 0, 64);
  return isErrorEvent({ event: s.startsWith('event: error') ? 'error' : undefined, data: s.replace(/^data: ?/, '') });
}

/** The promise's value if it settles within `ms`, else undefined (the promise keeps running). */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(timer));
}

function retryAfter(res: UpstreamResponse): Record<string, string> {
  const v = res.headers['retry-after'];
  return typeof v === 'string' ? { 'retry-after': v } : {};
}

/**
 * Records a failed call; not awaited, so the next candidate never waits on the store. The log line names
 * the upstream's address (clients see only the provider's name) and masks the client's key an upstream echoed.
 */
function fail(deps: ChatDeps, c: Candidate, err: ProxyError, clientKey: string | undefined): void {
  const message = clientKey && clientKey.length >= 6 ? err.message.split(clientKey).join('[redacted]') : err.message;
  deps.log.warn({ provider: c.provider.name, upstream: c.provider.origin, model: c.model.id, status: err.status, err: message }, 'upstream attempt failed');
  void deps.router.record(c, 'failure');
}

/** Why a request has no candidate at all: nothing configured is the operator's to fix, and no retry helps. */
function noCandidate(model: string, router: Router): ProxyError {
  if (router.catalog.providers.length === 0) {
    return new ProxyError(404, 'no provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY, add providers to a config file, or leave DEGPT_ENABLED unset for the default provider', 'model', 'no_provider_configured');
  }
  return new ProxyError(503, model === 'auto' ? 'no model is available right now' : `model "${model}" is not available and no other model can answer`, 'model');
}
