/** The translation surface: the bridge registry, and what a bridge hands the pipeline. */
export { assertBridges, bridgeFor } from './registry.js';
export { refusedReasoningEffort, takesReasoningEffort } from './mappings.js';
export { type AttemptRequest, type Bridge, type ContextOptions, InvalidAnswer, type StreamTranslator, type TranslateContext, type UpstreamRequest } from './types.js';

/** What Anthropic requires and an OpenAI client may not say: `max_tokens` when the client sent none. */
export const DEFAULT_MAX_TOKENS = 4096;
