import { HttpProvider } from './base.js';
import type { UpstreamCall } from './types.js';

/** Any OpenAI-compatible Chat Completions endpoint; baseURL includes the version path (…/v1). */
export class OpenAIProvider extends HttpProvider {
  readonly protocol = 'openai' as const;
  protected readonly chatPath = '/chat/completions';
  protected readonly modelsPath = '/models';

  protected authHeaders({ forwarded }: Pick<UpstreamCall, 'forwarded'>): Record<string, string> {
    const key = this.apiKey ?? forwarded.credential;
    return key ? { authorization: `Bearer ${key}` } : {};
  }
}
