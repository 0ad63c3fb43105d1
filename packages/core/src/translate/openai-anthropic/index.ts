/** OpenAI Chat Completions client → Anthropic Messages upstream. */
import { OPENAI_CLIENT } from '../../protocols/openai/spec.js';
import { AnthropicMessageSchema } from '../../protocols/anthropic/types.js';
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { parseAnswer } from '../answer.js';
import { translateContext } from '../context.js';
import { isRecord } from '../json.js';
import type { Bridge, TranslateContext } from '../types.js';
import { anthropicTextAnswerToOpenai } from './hot.js';
import { openaiRequestToAnthropic } from './request.js';
import { anthropicResponseToOpenai } from './response.js';
import { AnthropicToOpenAIStream } from './stream.js';

export const OPENAI_ANTHROPIC: Bridge<OpenAIChatRequest, TranslateContext> = {
  client: 'openai',
  upstream: 'anthropic',
  validates: true,
  context(body, opts) {
    const so = body.stream_options;
    return translateContext(opts, OPENAI_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), isRecord(so) && so.include_usage === true);
  },
  request(req, ctx) {
    const body = openaiRequestToAnthropic(req.body, ctx) as unknown as Record<string, unknown>;
    body.model = ctx.model;
    body.stream = req.stream;
    return { body };
  },
  answer(upstream, ctx) {
    const text = upstream.toString('utf8');
    return anthropicTextAnswerToOpenai(text, ctx) ?? JSON.stringify(anthropicResponseToOpenai(parseUpstream(AnthropicMessageSchema, parseAnswer(upstream, text)), ctx));
  },
  stream: (ctx) => new AnthropicToOpenAIStream(ctx),
};
