/** OpenAI Chat Completions client → OpenAI Responses upstream. */
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { type ResponsesResponse, ResponsesResponseSchema } from '../../protocols/responses/types.js';
import { openaiClientContext } from '../context.js';
import { translatingBridge } from '../translating.js';
import { chatToResponses } from './request.js';
import { responseToChat } from './response.js';
import { ResponsesToOpenAIStream } from './stream.js';

export const OPENAI_RESPONSES = translatingBridge<OpenAIChatRequest, ResponsesResponse>({
  client: 'openai',
  upstream: 'openai-responses',
  context: openaiClientContext,
  request: chatToResponses,
  answerSchema: ResponsesResponseSchema,
  response: responseToChat,
  plainAnswer: () => null,
  stream: (ctx) => new ResponsesToOpenAIStream(ctx),
});
