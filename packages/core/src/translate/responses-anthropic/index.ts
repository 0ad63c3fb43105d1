/**
 * OpenAI Responses client → Anthropic Messages upstream, through Chat
 * Completions: the Responses request as a Chat Completions one
 * (../responses-openai, reasoning items kept as signed reasoning), that as an
 * Anthropic one (../openai-anthropic); the answer and the stream back the
 * same two steps. Each step is a tested translation; see docs/responses.md.
 */
import { type AnthropicMessage, AnthropicMessageSchema } from '../../protocols/anthropic/types.js';
import type { ResponsesRequest } from '../../protocols/responses/types.js';
import { ChainedStream } from '../chain.js';
import { openaiRequestToAnthropic } from '../openai-anthropic/request.js';
import { anthropicResponseToOpenai } from '../openai-anthropic/response.js';
import { AnthropicToOpenAIStream } from '../openai-anthropic/stream.js';
import { type ResponsesContext, responsesContext } from '../responses-openai/context.js';
import { responsesToChat } from '../responses-openai/request.js';
import { chatToResponse } from '../responses-openai/response.js';
import { OpenAIToResponsesStream } from '../responses-openai/stream.js';
import { translatingBridge } from '../translating.js';

export const RESPONSES_ANTHROPIC = translatingBridge<ResponsesRequest, AnthropicMessage, ResponsesContext>({
  client: 'responses',
  upstream: 'anthropic',
  context: responsesContext,
  request: (body, ctx) => openaiRequestToAnthropic(responsesToChat(body, ctx, { keepReasoning: true }), ctx),
  answerSchema: AnthropicMessageSchema,
  response: (message, ctx) => chatToResponse(anthropicResponseToOpenai(message, ctx), ctx),
  plainAnswer: () => null,
  stream: (ctx) => new ChainedStream(new AnthropicToOpenAIStream(ctx), new OpenAIToResponsesStream(ctx)),
});
