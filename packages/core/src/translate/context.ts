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
