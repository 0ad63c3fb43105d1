import { HttpProvider } from './base.js';
import type { UpstreamCall } from './types.js';

/** OpenAI's APIs: the credential as a Bearer token, the provider's key or else the client's own. */
abstract class BearerProvider extends HttpProvider {
  protected readonly modelsPath = '/models';

  protected authHeaders({ forwarded }: Pick<UpstreamCall, 'forwarded'>): Record<string, string> {
    const key = this.apiKey ?? forwarded.credential;
    return key ? { authorization: `Bearer ${key}` } : {};
  }
}

/** Any OpenAI-compatible Chat Completions endpoint; baseURL includes the version path (…/v1). */
export class OpenAIProvider extends BearerProvider {
  readonly protocol = 'openai' as const;
  protected readonly chatPath = '/chat/completions';
}

/** An OpenAI Responses API endpoint (`POST …/responses`); baseURL includes the version path (…/v1). */
export class OpenAIResponsesProvider extends BearerProvider {
  readonly protocol = 'openai-responses' as const;
  protected readonly chatPath = '/responses';
}
