import { ProxyError, badRequest, upstreamErrorMessage, type Protocol } from '../errors.js';
import type { Logger } from '../logger.js';
import { ClientAbort, isTransportError, transportError } from '../providers/http.js';
import type { ForwardedHeaders, UpstreamResponse } from '../providers/types.js';
import type { Candidate, Router } from '../router/router.js';
import { type Bridge, bridge, createContext, type TranslateContext } from '../translate/index.js';
import { parseOpenAIRequest } from '../protocols/openai/types.js';
import { parseAnthropicRequest } from '../protocols/anthropic/types.js';
import { clientCredential } from './auth.js';
import { errorResponse, HEARTBEAT, JSON_TYPE, SSE_TYPE } from './respond.js';
import { isErrorEvent, pumpStream } from './stream.js';
import { header, type CoreRequest, type CoreResponse } from './types.js';
import type { AbortSignalLike } from './signal.js';

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
}

interface ChatBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
}

const RETRYABLE = (status: number) => status === 401 || status === 403 || status === 404 || status === 408 || status === 429 || status >= 500;

export function decodeJson(raw: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The few fields routing needs, checked by hand: the full schema runs only where a translation needs it. */
export function checkChatBody(parsed: unknown): ChatBody {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('request body must be a JSON object');
  const body = parsed as Record<string, unknown>;
  if (body.model === undefined || body.model === null || body.model === '') throw badRequest('model: required', 'model');
  if (typeof body.model !== 'string') throw badRequest('model: must be a string', 'model');
  if (!Array.isArray(body.messages)) throw badRequest(body.messages === undefined ? 'messages: required' : 'messages: must be an array', 'messages');
  if (body.messages.length === 0) throw badRequest('messages: must hold at least one message', 'messages');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  return { body, model: body.model, stream: body.stream === true };
}

/** Refuses bodies too deep to re-serialise or walk; needed only where the body is more than passed through. */
export function assertWalkable(body: object): void {
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) throw badRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * JSON.parse takes any depth, but what runs on a body afterwards recurses:
 * JSON.stringify (a re-serialised passthrough, a translation, count_tokens
 * upstream) and the token estimate overflow the stack at a few thousand
 * levels, which answered 500 (found by fuzzing). Real requests (JSON schemas,
 * tool inputs) stay far below this; serde_json's default is 128.
 */
export const MAX_JSON_DEPTH = 256;

/** Iterative (the check itself must not overflow); a few µs on a typical body, against ~40 µs for its JSON.parse. */
function nestedDeeperThan(root: object, max: number): boolean {
  const stack: unknown[] = [root, 1];
  while (stack.length) {
    const depth = stack.pop() as number;
    const v = stack.pop() as Record<string, unknown> | unknown[];
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x, depth + 1);
    } else {
      for (const k in v) {
        const x = v[k];
        if (typeof x === 'object' && x !== null) stack.push(x, depth + 1);
      }
    }
  }
  return false;
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

/** What a candidate's upstream may see of the client's headers. */
export function forwardedHeaders(req: CoreRequest, c: Candidate, tokenSet: boolean): ForwardedHeaders {
  const f: ForwardedHeaders = {};
  if (c.provider.keyless && !tokenSet) f.credential = clientCredential(req.headers);
  if (c.provider.protocol === 'anthropic') {
    f.anthropicVersion = header(req.headers, 'anthropic-version');
    f.anthropicBeta = header(req.headers, 'anthropic-beta');
  }
  return f;
}

async function readText(res: UpstreamResponse): Promise<string> {
  try {
    return await res.body.text();
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
  if (plan.first.length === 0) {
    throw new ProxyError(503, model === 'auto' ? 'no model is available right now' : `model "${model}" is not available and no other model can answer`, 'model');
  }

  let validated = false;
  let walkable = false;
  let lastError: ProxyError | null = null;
  let attempts = 0;
  /** Tries candidates in order; the answer, or null when they all failed or the bounds were reached. */
  const tryEach = async (list: readonly Candidate[]): Promise<CoreResponse | null> => {
    for (const c of list) {
      // failover is bounded by attempts and by the request's deadline (the first attempt always runs)
      if (attempts >= deps.maxAttempts || req.signal.aborted || (attempts > 0 && performance.now() >= deadline)) return null;
      attempts++;
      const translate = c.provider.protocol !== client;
      if ((translate || c.model.id !== model) && !walkable) {
        assertWalkable(body);
        walkable = true;
      }
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
      const a: Attempt = { c, client, ctx, started: performance.now(), attempt: attempts };
      let out: CoreResponse | Retry;
      try {
        const res = await c.provider.chat({ body: upstreamBody, stream, forwarded: forwardedHeaders(req, c, deps.tokenSet), signal: req.signal });
        out = res.statusCode >= 400 ? await refused(a, res) : stream ? await answerStream(a, res, req.signal, deps) : await answerJson(a, res, req.signal, deps);
      } catch (e) {
        if (e instanceof ClientAbort || !isTransportError(e)) throw e; // our own bugs surface as 500s, not as the model's failures
        const err = transportError(e, c.provider.name, req.signal);
        if (err instanceof ClientAbort) throw err;
        // a provider at its concurrency bound is busy, not failing: try the next one without a cooldown
        out = new Retry(err as ProxyError, (err as ProxyError).code !== 'provider_busy');
      }
      if (!(out instanceof Retry)) return out;
      lastError = out.error;
      if (out.counts) fail(deps, c, out.error);
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
  const text = await readText(res);
  const err = new ProxyError(status, `${a.c.provider.name}: ${upstreamErrorMessage(text).message}`, null, null, retryAfter(res));
  // a keyless provider's 401/403 is about the client's own key: no other candidate fixes that
  if (RETRYABLE(status) && !(a.c.provider.keyless && (status === 401 || status === 403))) return new Retry(err);
  // the request itself is wrong: another candidate would refuse it too
  if (!a.ctx && String(res.headers['content-type'] ?? '').includes('json')) {
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
    const translated = translateAnswer(buf.toString('utf8'), a.ctx, bridge(a.client, a.c.provider.protocol), invalid);
    if (translated instanceof Retry) return translated;
    body = translated;
  }
  if (signal.aborted) throw new ClientAbort();
  void deps.router.record(a.c, 'success', ttfb);
  return { status: 200, headers: answerHeaders(a, false), body };
}

/** The client's JSON for an upstream's answer: the plain answer's template when it is one, else parse, translate, stringify. */
function translateAnswer(text: string, ctx: TranslateContext, b: Bridge, invalid: (why: string) => Retry): string | Retry {
  const plain = b.plainAnswer?.(text, ctx) ?? null;
  if (plain !== null) return plain;
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

async function answerStream(a: Attempt, res: UpstreamResponse, signal: AbortSignalLike, deps: ChatDeps): Promise<CoreResponse | Retry> {
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
    signal,
    release: () => res.body.destroy(),
    onEnd: (o) => {
      if (o.kind === 'complete') void deps.router.record(c, 'success', firstByteMs);
      else if (o.kind === 'failed') fail(deps, c, o.error);
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

/** Records a failed call; not awaited, so the next candidate never waits on the store. */
function fail(deps: ChatDeps, c: Candidate, err: ProxyError): void {
  deps.log.warn({ provider: c.provider.name, model: c.model.id, status: err.status, err: err.message }, 'upstream attempt failed');
  void deps.router.record(c, 'failure');
}
