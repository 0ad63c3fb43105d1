/** OpenAI Chat Completions client → Anthropic Messages upstream. */
import type { z } from 'zod';
import { AnthropicMessageSchema } from '../../protocols/anthropic/types.js';
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { openaiClientContext } from '../context.js';
import { translatingBridge } from '../translating.js';
import { anthropicTextAnswerToOpenai } from './hot.js';
import { openaiRequestToAnthropic } from './request.js';
import { anthropicResponseToOpenai } from './response.js';
import { AnthropicToOpenAIStream } from './stream.js';

export const OPENAI_ANTHROPIC = translatingBridge<OpenAIChatRequest, z.infer<typeof AnthropicMessageSchema>>({
  client: 'openai',
  upstream: 'anthropic',
  context: openaiClientContext,
  request: openaiRequestToAnthropic,
  answerSchema: AnthropicMessageSchema,
  response: anthropicResponseToOpenai,
  plainAnswer: anthropicTextAnswerToOpenai,
  stream: (ctx) => new AnthropicToOpenAIStream(ctx),
});
