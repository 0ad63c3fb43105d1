import { HttpProvider } from './base.js';
import type { UpstreamSettings } from './http.js';
import type { ProviderConfig } from '../config/schema.js';
import type { UpstreamCall, UpstreamResponse } from './types.js';

const DEFAULT_VERSION = '2023-06-01';

/** The Anthropic Messages API; baseURL is the host (…/v1 is accepted too). */
export class AnthropicProvider extends HttpProvider {
  readonly protocol = 'anthropic' as const;
  protected readonly chatPath: string;
  protected readonly modelsPath: string;
  private readonly countPath: string;

  constructor(config: ProviderConfig, settings: UpstreamSettings) {
    super(config, settings);
    const v1 = this.upstream.basePath.endsWith('/v1') ? '' : '/v1';
    this.chatPath = `${v1}/messages`;
    this.countPath = `${v1}/messages/count_tokens`;
    this.modelsPath = `${v1}/models?limit=1000`;
  }

  protected authHeaders({ forwarded }: Pick<UpstreamCall, 'forwarded'>): Record<string, string> {
    const client = forwarded.headers;
    const h: Record<string, string> = { 'anthropic-version': client?.['anthropic-version'] ?? this.extraHeaders['anthropic-version'] ?? DEFAULT_VERSION };
    const beta = [this.extraHeaders['anthropic-beta'], client?.['anthropic-beta']].filter(Boolean).join(',');
    if (beta) h['anthropic-beta'] = beta;
    const key = this.apiKey ?? forwarded.credential;
    if (key) h['x-api-key'] = key;
    return h;
  }

  countTokens(call: UpstreamCall): Promise<UpstreamResponse> {
    return this.post(this.countPath, call);
  }
}
