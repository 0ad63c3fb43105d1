import { HttpProvider } from './base.js';
import type { UpstreamCall } from './types.js';

/** OpenAI's credential header, for the provider's key or else the client's own. */
export const bearer = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/** Any OpenAI-compatible Chat Completions endpoint; baseURL includes the version path (…/v1). */
export class OpenAIProvider extends HttpProvider {
  readonly protocol = 'openai' as const;
  protected readonly chatPath = '/chat/completions';
  protected readonly modelsPath = '/models';

  protected authHeaders({ forwarded }: Pick<UpstreamCall, 'forwarded'>): Record<string, string> {
    return bearer(this.apiKey ?? forwarded.credential);
  }
}

/** An OpenAI Responses API endpoint (`POST …/responses`); baseURL includes the version path (…/v1). */
export class OpenAIResponsesProvider extends HttpProvider {
  readonly protocol = 'openai-responses' as const;
  protected readonly chatPath = '/responses';
  protected readonly modelsPath = '/models';

  protected authHeaders({ forwarded }: Pick<UpstreamCall, 'forwarded'>): Record<string, string> {
    return bearer(this.apiKey ?? forwarded.credential);
  }
}
