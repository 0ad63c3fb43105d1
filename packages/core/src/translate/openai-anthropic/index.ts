/** OpenAI Chat Completions client → Anthropic Messages upstream. */
import type { z } from 'zod';
import { OPENAI_CLIENT } from '../../protocols/openai/spec.js';
import { AnthropicMessageSchema } from '../../protocols/anthropic/types.js';
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { translateContext } from '../context.js';
import { isRecord } from '../json.js';
import { translatingBridge } from '../translating.js';
import { anthropicTextAnswerToOpenai } from './hot.js';
import { openaiRequestToAnthropic } from './request.js';
import { anthropicResponseToOpenai } from './response.js';
import { AnthropicToOpenAIStream } from './stream.js';

export const OPENAI_ANTHROPIC = translatingBridge<OpenAIChatRequest, z.infer<typeof AnthropicMessageSchema>>({
  client: 'openai',
  upstream: 'anthropic',
  context(body, opts) {
    const so = body.stream_options;
    return translateContext(opts, OPENAI_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), isRecord(so) && so.include_usage === true);
  },
  request: openaiRequestToAnthropic,
  answerSchema: AnthropicMessageSchema,
  response: anthropicResponseToOpenai,
  plainAnswer: anthropicTextAnswerToOpenai,
  stream: (ctx) => new AnthropicToOpenAIStream(ctx),
});
