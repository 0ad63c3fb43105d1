/**
 * Anthropic Messages client → OpenAI Responses upstream, through Chat
 * Completions: the Anthropic request as a Chat Completions one
 * (../anthropic-openai), that as a Responses one (../openai-responses); the
 * answer and the stream back the same two steps. See docs/responses.md.
 */
import { ANTHROPIC_CLIENT } from '../../protocols/anthropic/spec.js';
import type { AnthropicRequest } from '../../protocols/anthropic/types.js';
import { ResponsesResponseSchema } from '../../protocols/responses/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { anthropicRequestToOpenai } from '../anthropic-openai/request.js';
import { openaiResponseToAnthropic } from '../anthropic-openai/response.js';
import { OpenAIToAnthropicStream } from '../anthropic-openai/stream.js';
import { parseAnswer } from '../answer.js';
import { ChainedStream } from '../chain.js';
import { translateContext } from '../context.js';
import { chatToResponses } from '../openai-responses/request.js';
import { responseToChat } from '../openai-responses/response.js';
import { ResponsesToOpenAIStream } from '../openai-responses/stream.js';
import type { Bridge, TranslateContext } from '../types.js';

export const ANTHROPIC_RESPONSES: Bridge<AnthropicRequest, TranslateContext> = {
  client: 'anthropic',
  upstream: 'openai-responses',
  validates: true,
  // the Anthropic side always needs the usage: the middle step asks for it
  context: (body, opts) => translateContext(opts, ANTHROPIC_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), true),
  request(req, ctx) {
    const body = chatToResponses(anthropicRequestToOpenai(req.body, ctx), ctx);
    body.model = ctx.model;
    body.stream = req.stream;
    return { body };
  },
  answer(upstream, ctx) {
    const res = parseUpstream(ResponsesResponseSchema, parseAnswer(upstream, upstream.toString('utf8')));
    return JSON.stringify(openaiResponseToAnthropic(responseToChat(res, ctx), ctx));
  },
  stream: (ctx) => new ChainedStream(new ResponsesToOpenAIStream(ctx), new OpenAIToAnthropicStream(ctx)),
};
