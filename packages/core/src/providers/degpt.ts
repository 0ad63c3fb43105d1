import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ProviderConfig } from '../config/schema.js';
import { ProxyError, upstreamErrorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OpenAIUsage } from '../protocols/openai/types.js';
import { SSE_DONE, sseData } from '../protocols/sse.js';
import { OpenAIStreamAggregate } from '../protocols/openai/aggregate.js';
import { OPENAI_CLIENT } from '../protocols/openai/spec.js';
import { chatCompletionId, nowSeconds } from '../translate/ids.js';
import { isRecord, parseJsonObject } from '../translate/json.js';
import { lowerKeys } from './base.js';
import { Upstream, transportError, type UpstreamSettings } from './http.js';
import { bufferBody, type ModelEntry, type Provider, type UpstreamBody, type UpstreamCall, type UpstreamResponse } from './types.js';
import type { AbortSignalLike } from '../http/signal.js';

type DegptConfig = Extract<ProviderConfig, { type: 'degpt' }>;
type Json = Record<string, unknown>;

/** DeGPT's tokens are short-lived and it does not say for how long: reuse one briefly, and a 401 refreshes it anyway. */
const TOKEN_TTL_MS = 10 * 60_000;
const SIGN_IN_PATH = '/v1/auths/printSignIn';
const CHAT_PATH = '/v1/chat/completion/proxy';
const CONFIG_PATH = '/config';

/**
 * DeGPT's public web API: sign in with a fixed id for a
 * short-lived token, then chat through its OpenAI-style proxy endpoint, which
 * always streams and never reports usage. The client's credential is never
 * sent: the provider authenticates itself (keyless is false).
 */
export class DegptProvider implements Provider {
  readonly protocol = 'openai' as const;
  readonly keyless = false;
  readonly name: string;
  readonly origin: string;
  readonly idleMs: number;
  readonly fixedModels: boolean;
  private readonly upstream: Upstream;
  private readonly browserHeaders: Record<string, string>;
  private readonly staticModels: ModelEntry[] | undefined;
  private token: { value: string; expires: number } | null = null;
  /** one sign-in shared by every request that needs a token while it runs */
  private signingIn: Promise<string> | null = null;

  constructor(
    private readonly config: DegptConfig,
    settings: UpstreamSettings,
    private readonly log: Logger,
  ) {
    this.name = config.name;
    this.upstream = new Upstream(config.name, config.baseURL, settings, config);
    this.origin = this.upstream.origin;
    this.idleMs = this.upstream.timeouts.idleMs;
    this.fixedModels = config.models !== undefined;
    // The configured `host` (DEGPT_PROXY_HOST) is not sent: undici sets Host from the base URL's origin, which for the
    // real site is that same www.degpt.ai, while for any other base URL (a mirror, a local fake on 127.0.0.1) a foreign
    // Host would be routed to the wrong virtual host. The body is re-serialised here, so no content-length either.
    const { host: _host, 'content-length': _length, ...rest } = lowerKeys(config.headers ?? {});
    this.browserHeaders = { ...rest, 'user-agent': config.userAgent };
    this.staticModels = config.models?.map((m) => (typeof m === 'string' ? { id: m } : m));
  }

  async chat(call: UpstreamCall): Promise<UpstreamResponse> {
    const request = parseBody(call.body);
    const payload = {
      model: typeof request.model === 'string' && request.model ? request.model : this.config.baseModel,
      messages: degptMessages(request.messages),
      stream: true, // DeGPT always streams; a non-stream answer is aggregated below
      project: 'DecentralGPT',
      enable_thinking: true,
    };
    // a string body: undici computes the length itself, never a fixed one taken from the client
    const body = JSON.stringify(payload);

    let token = await this.getToken();
    let res = await this.post(body, token, call.signal);
    if (res.statusCode === 401) {
      // the token expired early (or was revoked): sign in again and retry once
      await res.body.text().catch(() => '');
      this.forget(token);
      this.log.debug({ provider: this.name }, 'degpt token refused; signing in again');
      token = await this.getToken();
      res = await this.post(body, token, call.signal);
    }
    if (res.statusCode !== 200) return res; // the pipeline reads, maps and records it

    const promptTokens = OPENAI_CLIENT.estimateInputTokens(payload);
    if (call.stream) {
      const streamOptions = request.stream_options;
      const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
      return includeUsage ? { ...res, body: withUsage(res.body, promptTokens, payload.model) } : res;
    }
    return this.aggregate(res, promptTokens, payload.model, call.signal);
  }

  async listModels(signal?: AbortSignal): Promise<ModelEntry[]> {
    if (this.staticModels) return this.withBaseModel(this.staticModels, false);
    const res = await this.upstream.request('GET', CONFIG_PATH, { ...this.browserHeaders, accept: 'application/json' }, null, signal);
    const text = await readAll(res.body, this.name, signal);
    if (res.statusCode !== 200) throw new ProxyError(502, `${this.name}: config answered ${res.statusCode}`);
    const data = parseJsonObject(text);
    if (!data) throw new ProxyError(502, `${this.name}: config is not a JSON object`);

    const models = new Map<string, ModelEntry>();
    // the richer list says which models take images; when it is there, every other model is marked text-only
    for (const m of Array.isArray(data.models) ? data.models : []) {
      const id = isRecord(m) ? (str(m.model) ?? str(m.textmodel)) : undefined;
      if (id && !models.has(id)) models.set(id, { id, images: m.support === 'image' });
    }
    const marked = models.size > 0;
    for (const id of (str(data.default_models) ?? '').split(',')) {
      const t = id.trim();
      if (t && !models.has(t)) models.set(t, marked ? { id: t, images: false } : { id: t });
    }
    return this.withBaseModel([...models.values()], marked);
  }

  private withBaseModel(models: ModelEntry[], marked: boolean): ModelEntry[] {
    const base = this.config.baseModel;
    if (models.some((m) => m.id === base)) return models;
    return [...models, marked ? { id: base, images: false } : { id: base }];
  }

  private post(body: string, token: string, signal: AbortSignalLike): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {
      ...this.browserHeaders,
      accept: '*/*',
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    };
    if (this.config.authCookie) headers.cookie = this.config.authCookie;
    return this.upstream.request('POST', CHAT_PATH, headers, body, signal, true);
  }

  private getToken(): Promise<string> {
    if (this.token && this.token.expires > Date.now()) return Promise.resolve(this.token.value);
    this.signingIn ??= this.signIn().finally(() => {
      this.signingIn = null;
    });
    return this.signingIn;
  }

  /** Drops a refused token, unless a concurrent request already replaced it. */
  private forget(token: string): void {
    if (this.token?.value === token) this.token = null;
  }

  /**
   * Shared by concurrent requests, so it takes no client's abort signal (one
   * client leaving must not fail the others); the upstream timeouts bound it.
   */
  private async signIn(): Promise<string> {
    const headers = { ...this.browserHeaders, accept: 'application/json', 'content-type': 'application/json' };
    const res = await this.upstream.request('POST', SIGN_IN_PATH, headers, JSON.stringify({ id: this.config.authId, channel: '' }));
    const text = await readAll(res.body, this.name);
    if (res.statusCode !== 200) {
      throw new ProxyError(502, `${this.name}: sign-in answered ${res.statusCode} (${upstreamErrorMessage(text.slice(0, 500)).message})`);
    }
    const data = parseJsonObject(text);
    const token = str(data?.token) ?? (isRecord(data?.data) ? str(data.data.token) : undefined);
    if (!token) throw new ProxyError(502, `${this.name}: sign-in answer carries no token`);
    this.token = { value: token, expires: Date.now() + TOKEN_TTL_MS };
    this.log.debug({ provider: this.name }, 'degpt signed in');
    return token;
  }

  /** A client that asked no stream gets one `chat.completion`, built from DeGPT's stream. */
  private async aggregate(res: UpstreamResponse, promptTokens: number, model: string, signal: AbortSignalLike): Promise<UpstreamResponse> {
    const agg = new OpenAIStreamAggregate();
    let done = false;
    const parser = createParser({
      onEvent: (e) => {
        if (e.data === '[DONE]') done = true;
        else agg.push(e);
      },
    });
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    try {
      for await (const chunk of res.body) {
        // the whole answer is held until it ends: bounded like any answer read whole
        if ((bytes += chunk.length) > this.upstream.maxAnswerBytes) {
          res.body.destroy();
          throw this.upstream.tooLarge();
        }
        parser.feed(decoder.write(chunk));
      }
    } catch (e) {
      throw transportError(e, this.name, signal);
    }
    let completion;
    try {
      // a truncated stream is a failure the router should see (and fail over from), not a short answer
      if (!done) throw new ProxyError(502, 'the stream ended before [DONE]');
      completion = agg.finish(); // throws DeGPT's in-stream error
    } catch (e) {
      if (!(e instanceof ProxyError)) throw e;
      const body = JSON.stringify({ error: { message: `${this.name}: ${e.message}`, type: 'server_error', param: null, code: null } });
      return { statusCode: e.status, headers: { 'content-type': 'application/json' }, body: bufferBody(body) };
    }
    completion.model ||= model;
    // DeGPT reports no usage: estimate it from what was asked and what came back
    if (!completion.usage?.total_tokens) {
      const message = completion.choices[0]?.message;
      const chars = (message?.content?.length ?? 0) + (message?.reasoning_content?.length ?? 0);
      completion.usage = usageOf(promptTokens, chars);
    }
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: bufferBody(JSON.stringify(completion)) };
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The pipeline hands over bytes (passthrough) or an object (translated or re-modelled). */
function parseBody(body: UpstreamCall['body']): Json {
  if (typeof body === 'string') return parseJsonObject(body) ?? {};
  if (body instanceof Uint8Array) return parseJsonObject(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) ?? {};
  return body;
}

async function readAll(body: UpstreamBody, label: string, signal?: AbortSignalLike): Promise<string> {
  try {
    return await body.text();
  } catch (e) {
    throw transportError(e, label, signal);
  }
}

type DegptPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: unknown };

/**
 * DeGPT takes `{role, content}` only: text as one plain string (parts joined),
 * a message with images keeps its text and image parts. Empty messages are
 * dropped; so are tool calls, which DeGPT cannot make (a tool result reaches
 * the model as user text, the only way it can read it).
 */
function degptMessages(messages: unknown): { role: string; content: string | DegptPart[] }[] {
  if (!Array.isArray(messages)) return [];
  const out: { role: string; content: string | DegptPart[] }[] = [];
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== 'string') continue;
    const content = degptContent(m.content);
    if (content === null) continue;
    const role = m.role === 'developer' ? 'system' : m.role === 'tool' ? 'user' : m.role;
    out.push({ role, content });
  }
  return out;
}

function degptContent(content: unknown): string | DegptPart[] | null {
  if (typeof content === 'string') return content.trim() ? content : null;
  if (!Array.isArray(content)) return null;
  const parts: DegptPart[] = [];
  for (const p of content) {
    if (!isRecord(p)) continue;
    if (p.type === 'text' && typeof p.text === 'string' && p.text.trim()) parts.push({ type: 'text', text: p.text });
    else if (p.type === 'image_url' && p.image_url) parts.push({ type: 'image_url', image_url: p.image_url });
  }
  if (parts.some((p) => p.type === 'image_url')) return parts;
  const text = parts.map((p) => (p as { text: string }).text).join('\n');
  return text ? text : null;
}

const tokensOf = (chars: number) => Math.ceil(chars / 4);
const usageOf = (promptTokens: number, completionChars: number): OpenAIUsage => {
  const completion = tokensOf(completionChars);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
};

/** Characters of answer (text and thinking) in one chunk: the basis of the local completion-token estimate. */
function deltaChars(chunk: Json): number {
  let n = 0;
  for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
    const delta = isRecord(c) && isRecord(c.delta) ? c.delta : null;
    if (!delta) continue;
    if (typeof delta.content === 'string') n += delta.content.length;
    if (typeof delta.reasoning_content === 'string') n += delta.reasoning_content.length;
  }
  return n;
}

/** SSE framing for one event as received (multi-line data keeps one `data:` line per line). */
const frame = (e: EventSourceMessage) => `${e.event ? `event: ${e.event}\n` : ''}${e.data.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`;

/**
 * The stream as DeGPT sends it, plus the usage chunk the client asked for
 * (`stream_options.include_usage`) just before `data: [DONE]`. Events are
 * re-framed as they arrive, never buffered past the current network chunk.
 */
function withUsage(upstream: UpstreamBody, promptTokens: number, model: string): UpstreamBody {
  async function* frames(): AsyncGenerator<Uint8Array> {
    let completionChars = 0;
    let last: Json | null = null;
    let upstreamUsage = false;
    let out = '';
    const parser = createParser({
      onEvent: (e) => {
        if (e.data === '[DONE]') {
          if (!upstreamUsage) {
            const usage = usageOf(promptTokens, completionChars);
            out += sseData({ id: last?.id ?? chatCompletionId(), object: 'chat.completion.chunk', created: last?.created ?? nowSeconds(), model: last?.model ?? model, choices: [], usage });
          }
          out += SSE_DONE;
          return;
        }
        const chunk = parseJsonObject(e.data);
        if (chunk) {
          last = chunk;
          completionChars += deltaChars(chunk);
          if (isRecord(chunk.usage)) upstreamUsage = true; // should DeGPT ever report usage, it wins
        }
        out += frame(e);
      },
    });
    const decoder = new StringDecoder('utf8');
    for await (const chunk of upstream) {
      parser.feed(decoder.write(chunk));
      if (out) {
        yield Buffer.from(out);
        out = '';
      }
    }
  }
  const it = frames();
  const collect = async () => {
    const bufs: Buffer[] = [];
    for await (const b of it) bufs.push(Buffer.from(b));
    return Buffer.concat(bufs);
  };
  return {
    [Symbol.asyncIterator]: () => it,
    bytes: collect,
    text: async () => (await collect()).toString('utf8'),
    textUpTo: async (limit) => (await collect()).toString('utf8', 0, limit),
    // destroying the socket's stream also ends a pending read in the generator
    destroy: () => upstream.destroy(),
  };
}
