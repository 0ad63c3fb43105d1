import { OPENAI_CLIENT } from '../protocols/openai/spec.js';
import type { OpenAIChatRequest } from '../protocols/openai/types.js';
import { isRecord } from './json.js';
import type { ContextOptions, TranslateContext } from './types.js';

/** A translating attempt's state: `estimatedInputTokens` and `includeUsage` as the client's spec reads them from its body. */
export function translateContext(opts: ContextOptions, estimatedInputTokens: number, includeUsage: boolean): TranslateContext {
  return {
    model: opts.model,
    includeUsage,
    estimatedInputTokens,
    toolNames: new Map(),
    toolIds: new Map(),
    defaultMaxTokens: opts.defaultMaxTokens,
    reasoning: opts.reasoning,
  };
}

/** The context of an OpenAI Chat Completions client's attempt, whatever the upstream: its estimate, and whether it asked for usage in the stream. */
export function openaiClientContext(body: OpenAIChatRequest, opts: ContextOptions): TranslateContext {
  const so = body.stream_options;
  return translateContext(opts, OPENAI_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), isRecord(so) && so.include_usage === true);
}
