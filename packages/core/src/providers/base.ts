import type { ProviderConfig } from '../config/schema.js';
import { ProxyError } from '../errors.js';
import type { UpstreamProtocol } from '../protocols/types.js';
import { Upstream, type UpstreamSettings } from './http.js';
import type { ModelEntry, Provider, UpstreamCall, UpstreamResponse } from './types.js';

const serialize = (b: UpstreamCall['body']): string | Uint8Array =>
  typeof b === 'string' || b instanceof Uint8Array ? b : JSON.stringify(b);

/** What OpenAI-style and Anthropic-style providers have in common: a base URL, a key, extra headers, a model list. */
export abstract class HttpProvider implements Provider {
  abstract readonly protocol: UpstreamProtocol;
  readonly name: string;
  readonly keyless: boolean;
  readonly origin: string;
  readonly idleMs: number;
  readonly fixedModels: boolean;
  protected readonly upstream: Upstream;
  protected readonly apiKey: string | undefined;
  protected readonly extraHeaders: Record<string, string>;
  private readonly staticModels: ModelEntry[] | undefined;

  constructor(config: ProviderConfig, settings: UpstreamSettings) {
    this.name = config.name;
    this.apiKey = config.apiKey;
    this.keyless = !config.apiKey;
    this.extraHeaders = lowerKeys(config.headers ?? {});
    this.upstream = new Upstream(config.name, config.baseURL, settings, config);
    this.origin = this.upstream.origin;
    this.idleMs = this.upstream.timeouts.idleMs;
    this.fixedModels = config.models !== undefined;
    this.staticModels = config.models?.map((m) => (typeof m === 'string' ? { id: m } : m));
  }

  /** headers carrying the credential: the provider's key, else the client's own */
  protected abstract authHeaders(call: Pick<UpstreamCall, 'forwarded'>): Record<string, string>;
  protected abstract readonly chatPath: string;
  protected abstract readonly modelsPath: string;

  /** the headers of calls that forward nothing from the client, built once (non-stream, stream) */
  private readonly fixedHeaders: [Record<string, string> | null, Record<string, string> | null] = [null, null];

  protected headers(call: Pick<UpstreamCall, 'forwarded' | 'stream' | 'headers'>): Record<string, string> {
    const f = call.forwarded;
    if (f.credential !== undefined || f.headers !== undefined || call.headers !== undefined) return this.buildHeaders(call);
    const i = call.stream ? 1 : 0;
    return (this.fixedHeaders[i] ??= Object.freeze(this.buildHeaders(call)));
  }

  private buildHeaders(call: Pick<UpstreamCall, 'forwarded' | 'stream' | 'headers'>): Record<string, string> {
    return {
      ...this.extraHeaders,
      ...call.headers,
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      ...this.authHeaders(call),
    };
  }

  chat(call: UpstreamCall): Promise<UpstreamResponse> {
    return this.upstream.request('POST', call.path ?? this.chatPath, this.headers(call), serialize(call.body), call.signal, true);
  }

  protected post(path: string, call: UpstreamCall): Promise<UpstreamResponse> {
    return this.upstream.request('POST', path, this.headers(call), serialize(call.body), call.signal);
  }

  async listModels(signal?: AbortSignal): Promise<ModelEntry[]> {
    if (this.staticModels) return this.staticModels;
    const res = await this.upstream.request('GET', this.modelsPath, { ...this.extraHeaders, accept: 'application/json', ...this.authHeaders({ forwarded: {} }) }, null, signal);
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new ProxyError(502, `${this.name}: models list answered ${res.statusCode}`);
    const data = (JSON.parse(text) as { data?: { id?: unknown }[] }).data;
    if (!Array.isArray(data)) throw new ProxyError(502, `${this.name}: models list has no data array`);
    return data.flatMap((m) => (typeof m?.id === 'string' ? [{ id: m.id }] : []));
  }
}

export function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
