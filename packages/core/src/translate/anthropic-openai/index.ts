/** Anthropic Messages client → OpenAI Chat Completions upstream. */
import type { z } from 'zod';
import { ANTHROPIC_CLIENT } from '../../protocols/anthropic/spec.js';
import type { AnthropicRequest } from '../../protocols/anthropic/types.js';
import { OpenAIChatCompletionSchema } from '../../protocols/openai/types.js';
import { translateContext } from '../context.js';
import { translatingBridge } from '../translating.js';
import { openaiTextAnswerToAnthropic } from './hot.js';
import { anthropicRequestToOpenai } from './request.js';
import { openaiResponseToAnthropic } from './response.js';
import { OpenAIToAnthropicStream } from './stream.js';

export const ANTHROPIC_OPENAI = translatingBridge<AnthropicRequest, z.infer<typeof OpenAIChatCompletionSchema>>({
  client: 'anthropic',
  upstream: 'openai',
  context: (body, opts) => translateContext(opts, ANTHROPIC_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), false),
  request: anthropicRequestToOpenai,
  answerSchema: OpenAIChatCompletionSchema,
  response: openaiResponseToAnthropic,
  plainAnswer: openaiTextAnswerToAnthropic,
  stream: (ctx) => new OpenAIToAnthropicStream(ctx),
});
