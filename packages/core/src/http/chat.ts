import { ProxyError, badRequest, upstreamErrorMessage, type Protocol } from '../errors.js';
import type { Logger } from '../logger.js';
import { ClientAbort, transportError } from '../providers/http.js';
import type { ForwardedHeaders, UpstreamResponse } from '../providers/types.js';
import type { Candidate, Router } from '../router/router.js';
import { bridge, createContext } from '../translate/index.js';
import { parseOpenAIRequest } from '../protocols/openai/types.js';
import { parseAnthropicRequest } from '../protocols/anthropic/types.js';
import { clientCredential } from './auth.js';
import { errorResponse, HEARTBEAT, JSON_TYPE, SSE_HEADERS } from './respond.js';
import { isErrorEvent, pumpStream } from './stream.js';
import { header, type CoreRequest, type CoreResponse } from './types.js';

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
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) throw badRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return { body, model: body.model, stream: body.stream === true };
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

function forwardedHeaders(req: CoreRequest, c: Candidate, tokenSet: boolean): ForwardedHeaders {
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
  const candidates = await deps.router.plan(model, { strict, needsImages: hasImages(body.messages as unknown[]) });
  if (candidates.length === 0) {
    throw new ProxyError(503, model === 'auto' ? 'no model is available right now' : `model "${model}" is not available and no other model can answer`, 'model');
  }

  let validated = false;
  let lastError: ProxyError | null = null;
  let attempts = 0;
  for (const c of candidates) {
    // failover is bounded by attempts and by the request's deadline (the first attempt always runs)
    if (attempts >= deps.maxAttempts || req.signal.aborted || (attempts > 0 && performance.now() >= deadline)) break;
    attempts++;
    const upstream = c.provider.protocol;
    const translate = upstream !== client;
    if (translate && !validated) {
      // translation needs the whole shape right; a bad field is the client's 400, not an upstream's failure
      if (client === 'openai') parseOpenAIRequest(body);
      else parseAnthropicRequest(body);
      validated = true;
    }
    // passthrough needs no context: no token estimate, no maps
    const ctx = translate ? { ...createContext(client, body, c.model.id), defaultMaxTokens: deps.defaultMaxTokens } : null;
    const upstreamBody = ctx
      ? { ...bridge(client, upstream).request(body, ctx), model: c.model.id, stream }
      : c.model.id === model
        ? raw // untouched bytes: no re-serialisation on the passthrough path
        : { ...body, model: c.model.id };
    const started = performance.now();
    let res: UpstreamResponse;
    try {
      res = await c.provider.chat({ body: upstreamBody, stream, forwarded: forwardedHeaders(req, c, deps.tokenSet), signal: req.signal });
    } catch (e) {
      if (e instanceof ClientAbort) throw e;
      lastError = e as ProxyError;
      // a provider at its concurrency bound is busy, not failing: try the next one without a cooldown
      if (lastError.code !== 'provider_busy') fail(deps, c, lastError);
      continue;
    }
    const ttfb = performance.now() - started;
    const status = res.statusCode;

    if (status >= 400) {
      const text = await readText(res);
      const { message } = upstreamErrorMessage(text);
      const err = new ProxyError(status, `${c.provider.name}: ${message}`, null, null, retryAfter(res));
      if (RETRYABLE(status) && !(c.provider.keyless && (status === 401 || status === 403))) {
        lastError = err;
        fail(deps, c, err);
        continue;
      }
      // the request itself is wrong: another candidate would refuse it too
      if (!translate && (res.headers['content-type'] ?? '').toString().includes('json')) {
        return { status, headers: { 'content-type': JSON_TYPE, ...err.headers }, body: text };
      }
      return errorResponse(client, err);
    }

    const contentType = String(res.headers['content-type'] ?? '');
    const meta = { 'x-ones-model': c.model.id, 'x-ones-provider': c.provider.name, 'x-ones-attempts': String(attempts) };

    if (!stream) {
      let buf: Buffer;
      try {
        buf = Buffer.from(await res.body.arrayBuffer());
      } catch (e) {
        const err = transportError(e, c.provider.name, req.signal);
        if (err instanceof ClientAbort) throw err;
        lastError = err as ProxyError;
        fail(deps, c, lastError);
        continue;
      }
      // parsed in both paths: a 200 carrying invalid JSON or an error object is the upstream's failure
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || 'error' in parsed || (parsed as { type?: unknown }).type === 'error') throw new Error(upstreamErrorMessage(buf.toString('utf8', 0, 2000)).message);
      } catch (e) {
        lastError = new ProxyError(502, `${c.provider.name}: answered 200 without a valid response (${(e as Error).message})`);
        fail(deps, c, lastError);
        continue;
      }
      if (!ctx) {
        void deps.router.record(c, 'success', ttfb);
        return { status: 200, headers: { 'content-type': JSON_TYPE, ...meta }, body: buf };
      }
      let out: unknown;
      try {
        out = bridge(client, upstream).response(parsed, ctx);
      } catch (e) {
        if (!(e instanceof ProxyError)) throw e;
        lastError = e;
        fail(deps, c, e);
        continue;
      }
      void deps.router.record(c, 'success', ttfb);
      return { status: 200, headers: { 'content-type': JSON_TYPE, ...meta }, body: JSON.stringify(out) };
    }

    // stream: look at the first chunk before committing, so an upstream that fails at once can still fail over
    if (!contentType.includes('text/event-stream')) {
      const text = await readText(res);
      lastError = new ProxyError(502, `${c.provider.name}: expected an event stream, got ${contentType || 'no content-type'} (${upstreamErrorMessage(text).message})`);
      fail(deps, c, lastError);
      continue;
    }
    const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    const head = it.next();
    let first: IteratorResult<Uint8Array> | undefined;
    try {
      // wait for the first chunk at most one heartbeat period; later, the client gets keep-alives instead
      first = await within(head, deps.heartbeatMs);
    } catch (e) {
      const err = transportError(e, c.provider.name, req.signal);
      if (err instanceof ClientAbort) throw err;
      lastError = err as ProxyError;
      fail(deps, c, lastError);
      continue;
    }
    if (first && !first.done && startsWithError(first.value)) {
      const text = Buffer.from(first.value).toString('utf8') + (await readText(res));
      res.body.destroy();
      lastError = new ProxyError(502, `${c.provider.name}: ${upstreamErrorMessage(text.replace(/^(event: error\s*)?data: /, '')).message}`);
      fail(deps, c, lastError);
      continue;
    }
    // a stream's time to first byte is its first chunk (headers may come before the model starts)
    let firstByteMs = performance.now() - started;
    if (!first) head.then(() => (firstByteMs = performance.now() - started), () => {});
    const translator = ctx ? bridge(client, upstream).stream(ctx) : null;
    const streamBody = pumpStream({
      rest: it,
      head,
      client,
      upstream,
      origin: c.provider.name,
      translator,
      signal: req.signal,
      release: () => res.body.destroy(),
      onEnd: (o) => {
        if (o.kind === 'complete') void deps.router.record(c, 'success', firstByteMs);
        else if (o.kind === 'failed') fail(deps, c, o.error);
        else deps.log.debug({ provider: c.provider.name, model: c.model.id }, 'client left mid-stream; upstream released');
      },
    });
    return { status: 200, headers: { ...SSE_HEADERS, ...meta }, stream: streamBody, heartbeat: { frame: HEARTBEAT[client], everyMs: deps.heartbeatMs } };
  }

  throw lastError ?? new ProxyError(503, 'no model could answer');
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
