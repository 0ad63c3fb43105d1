/**
 * Anthropic Messages client → OpenAI Responses upstream, through Chat
 * Completions: the Anthropic request as a Chat Completions one
 * (../anthropic-openai), that as a Responses one (../openai-responses); the
 * answer and the stream back the same two steps. See docs/responses.md.
 */
import { ANTHROPIC_CLIENT } from '../../protocols/anthropic/spec.js';
import type { AnthropicRequest } from '../../protocols/anthropic/types.js';
import { type ResponsesResponse, ResponsesResponseSchema } from '../../protocols/responses/types.js';
import { anthropicRequestToOpenai } from '../anthropic-openai/request.js';
import { openaiResponseToAnthropic } from '../anthropic-openai/response.js';
import { OpenAIToAnthropicStream } from '../anthropic-openai/stream.js';
import { ChainedStream } from '../chain.js';
import { translateContext } from '../context.js';
import { chatToResponses } from '../openai-responses/request.js';
import { responseToChat } from '../openai-responses/response.js';
import { ResponsesToOpenAIStream } from '../openai-responses/stream.js';
import { translatingBridge } from '../translating.js';

export const ANTHROPIC_RESPONSES = translatingBridge<AnthropicRequest, ResponsesResponse>({
  client: 'anthropic',
  upstream: 'openai-responses',
  // the Anthropic side always needs the usage: the middle step asks for it
  context: (body, opts) => translateContext(opts, ANTHROPIC_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), true),
  request: (body, ctx) => chatToResponses(anthropicRequestToOpenai(body, ctx), ctx),
  answerSchema: ResponsesResponseSchema,
  response: (res, ctx) => openaiResponseToAnthropic(responseToChat(res, ctx), ctx),
  plainAnswer: () => null,
  stream: (ctx) => new ChainedStream(new ResponsesToOpenAIStream(ctx), new OpenAIToAnthropicStream(ctx)),
});
