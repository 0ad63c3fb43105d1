/** Anthropic Messages client → OpenAI Chat Completions upstream. */
import { ANTHROPIC_CLIENT } from '../../protocols/anthropic/spec.js';
import type { AnthropicRequest } from '../../protocols/anthropic/types.js';
import { OpenAIChatCompletionSchema } from '../../protocols/openai/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { parseAnswer } from '../answer.js';
import { translateContext } from '../context.js';
import type { Bridge, TranslateContext } from '../types.js';
import { openaiTextAnswerToAnthropic } from './hot.js';
import { anthropicRequestToOpenai } from './request.js';
import { openaiResponseToAnthropic } from './response.js';
import { OpenAIToAnthropicStream } from './stream.js';

export const ANTHROPIC_OPENAI: Bridge<AnthropicRequest, TranslateContext> = {
  client: 'anthropic',
  upstream: 'openai',
  validates: true,
  context: (body, opts) => translateContext(opts, ANTHROPIC_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), false),
  request(req, ctx) {
    const body = anthropicRequestToOpenai(req.body, ctx) as unknown as Record<string, unknown>;
    body.model = ctx.model;
    body.stream = req.stream;
    return { body };
  },
  answer(upstream, ctx) {
    const text = upstream.toString('utf8');
    return openaiTextAnswerToAnthropic(text, ctx) ?? JSON.stringify(openaiResponseToAnthropic(parseUpstream(OpenAIChatCompletionSchema, parseAnswer(upstream, text)), ctx));
  },
  stream: (ctx) => new OpenAIToAnthropicStream(ctx),
};
