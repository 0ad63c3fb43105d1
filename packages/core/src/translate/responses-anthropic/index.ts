/**
 * OpenAI Responses client → Anthropic Messages upstream, through Chat
 * Completions: the Responses request as a Chat Completions one
 * (../responses-openai, reasoning items kept as signed reasoning), that as an
 * Anthropic one (../openai-anthropic); the answer and the stream back the
 * same two steps. Each step is a tested translation; see docs/responses.md.
 */
import { AnthropicMessageSchema } from '../../protocols/anthropic/types.js';
import type { ResponsesRequest } from '../../protocols/responses/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { parseAnswer } from '../answer.js';
import { ChainedStream } from '../chain.js';
import { openaiRequestToAnthropic } from '../openai-anthropic/request.js';
import { anthropicResponseToOpenai } from '../openai-anthropic/response.js';
import { AnthropicToOpenAIStream } from '../openai-anthropic/stream.js';
import { type ResponsesContext, responsesContext } from '../responses-openai/context.js';
import { responsesToChat } from '../responses-openai/request.js';
import { chatToResponse } from '../responses-openai/response.js';
import { OpenAIToResponsesStream } from '../responses-openai/stream.js';
import type { Bridge } from '../types.js';

export const RESPONSES_ANTHROPIC: Bridge<ResponsesRequest, ResponsesContext> = {
  client: 'responses',
  upstream: 'anthropic',
  validates: true,
  context: responsesContext,
  request(req, ctx) {
    const body = openaiRequestToAnthropic(responsesToChat(req.body, ctx, { keepReasoning: true }), ctx) as unknown as Record<string, unknown>;
    body.model = ctx.model;
    body.stream = req.stream;
    return { body };
  },
  answer(upstream, ctx) {
    const message = parseUpstream(AnthropicMessageSchema, parseAnswer(upstream, upstream.toString('utf8')));
    return chatToResponse(anthropicResponseToOpenai(message, ctx), ctx);
  },
  stream: (ctx) => new ChainedStream(new AnthropicToOpenAIStream(ctx), new OpenAIToResponsesStream(ctx)),
};
