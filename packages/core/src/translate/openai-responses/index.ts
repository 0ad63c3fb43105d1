/** OpenAI Chat Completions client → OpenAI Responses upstream. */
import { OPENAI_CLIENT } from '../../protocols/openai/spec.js';
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { type ResponsesResponse, ResponsesResponseSchema } from '../../protocols/responses/types.js';
import { translateContext } from '../context.js';
import { isRecord } from '../json.js';
import { translatingBridge } from '../translating.js';
import { chatToResponses } from './request.js';
import { responseToChat } from './response.js';
import { ResponsesToOpenAIStream } from './stream.js';

export const OPENAI_RESPONSES = translatingBridge<OpenAIChatRequest, ResponsesResponse>({
  client: 'openai',
  upstream: 'openai-responses',
  context(body, opts) {
    const so = body.stream_options;
    return translateContext(opts, OPENAI_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), isRecord(so) && so.include_usage === true);
  },
  request: chatToResponses,
  answerSchema: ResponsesResponseSchema,
  response: responseToChat,
  plainAnswer: () => null,
  stream: (ctx) => new ResponsesToOpenAIStream(ctx),
});
