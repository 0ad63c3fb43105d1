/**
 * The translation surface the pipeline uses: one Bridge per (client,
 * upstream) pair of different protocols, and a context per request that
 * carries state from the request translation to the answer's.
 */
import type { Protocol } from '../errors.js';
import { type AnthropicRequest, AnthropicMessageSchema } from '../protocols/anthropic/types.js';
import { type OpenAIChatRequest, OpenAIChatCompletionSchema } from '../protocols/openai/types.js';
import { anthropicRequestToOpenai, anthropicResponseToOpenai, AnthropicToOpenAIStream } from './anthropic-to-openai.js';
import { estimateInputTokens } from './estimate.js';
import { anthropicTextAnswerToOpenai, openaiTextAnswerToAnthropic } from './hot-answers.js';
import { isRecord } from './json.js';
import { openaiRequestToAnthropic, openaiResponseToAnthropic, OpenAIToAnthropicStream } from './openai-to-anthropic.js';
import type { StreamTranslator, TranslateContext } from './types.js';
import { parseUpstream } from '../protocols/validate.js';

export { AnthropicStreamAggregate } from './anthropic-stream-aggregate.js';
export { estimateInputTokens } from './estimate.js';
export { refusedReasoningEffort, takesReasoningEffort } from './mappings.js';
export { OpenAIStreamAggregate } from './openai-stream-aggregate.js';
export type { StreamTranslator, TranslateContext } from './types.js';

/** What Anthropic requires and an OpenAI client may not say: `max_tokens` when the client sent none. */
export const DEFAULT_MAX_TOKENS = 4096;

export interface Bridge {
  /**
   * Client body → upstream body. Expects a body that passed the client
   * protocol's `parse…Request` (the pipeline validates once, before trying
   * candidates). Throws ProxyError(400, msg, param) on what cannot be carried.
   * Never mutates its input. The pipeline sets `model` and `stream` on the result.
   */
  request(body: Record<string, unknown>, ctx: TranslateContext): Record<string, unknown>;
  /** Upstream non-stream JSON → client JSON; ProxyError(502) when its shape cannot be read. */
  response(upstream: unknown, ctx: TranslateContext): unknown;
  /** The client's JSON text for the commonest upstream answer, read without a full parse; null for any other (use `response`). */
  plainAnswer?(upstream: string, ctx: TranslateContext): string | null;
  /** Upstream SSE events → client SSE text. push() never throws on odd upstream data. */
  stream(ctx: TranslateContext): StreamTranslator;
}

const OPENAI_CLIENT_ANTHROPIC_UPSTREAM: Bridge = {
  request: (body, ctx) => openaiRequestToAnthropic(body as OpenAIChatRequest, ctx),
  response: (upstream, ctx) => anthropicResponseToOpenai(parseUpstream(AnthropicMessageSchema, upstream), ctx),
  plainAnswer: anthropicTextAnswerToOpenai,
  stream: (ctx) => new AnthropicToOpenAIStream(ctx),
};

const ANTHROPIC_CLIENT_OPENAI_UPSTREAM: Bridge = {
  request: (body, ctx) => anthropicRequestToOpenai(body as AnthropicRequest, ctx),
  response: (upstream, ctx) => openaiResponseToAnthropic(parseUpstream(OpenAIChatCompletionSchema, upstream), ctx),
  plainAnswer: openaiTextAnswerToAnthropic,
  stream: (ctx) => new OpenAIToAnthropicStream(ctx),
};

/** The bridge from a client protocol to a different upstream protocol (same protocol needs none: bodies pass through). */
export function bridge(client: Protocol, upstream: Protocol): Bridge {
  if (client === upstream) throw new Error(`no translation between ${client} and itself`);
  return client === 'openai' ? OPENAI_CLIENT_ANTHROPIC_UPSTREAM : ANTHROPIC_CLIENT_OPENAI_UPSTREAM;
}

/**
 * Per-request state; `model` is what the client is told answered; `defaultMaxTokens` a model's limit when known;
 * `reasoning` whether the model takes `reasoning_effort` (its `ModelEntry.reasoning`; false to leave the field out).
 */
export function createContext(
  client: Protocol,
  body: Record<string, unknown>,
  model: string,
  defaultMaxTokens = DEFAULT_MAX_TOKENS,
  reasoning?: boolean,
): TranslateContext {
  const streamOptions = body.stream_options;
  return {
    model,
    includeUsage: client === 'openai' && isRecord(streamOptions) && streamOptions.include_usage === true,
    estimatedInputTokens: estimateInputTokens(client, body),
    toolNames: new Map(),
    toolIds: new Map(),
    defaultMaxTokens,
    reasoning,
  };
}
