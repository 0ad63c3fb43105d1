/** OpenAI Responses client → OpenAI Chat Completions upstream. */
import { OpenAIChatCompletionSchema, type OpenAIChatCompletion } from '../../protocols/openai/types.js';
import type { ResponsesRequest } from '../../protocols/responses/types.js';
import { translatingBridge } from '../translating.js';
import { type ResponsesContext, responsesContext } from './context.js';
import { responsesToChat } from './request.js';
import { chatToResponse } from './response.js';
import { OpenAIToResponsesStream } from './stream.js';

export const RESPONSES_OPENAI = translatingBridge<ResponsesRequest, OpenAIChatCompletion, ResponsesContext>({
  client: 'responses',
  upstream: 'openai',
  context: responsesContext,
  request: (body, ctx) => responsesToChat(body, ctx, { keepReasoning: false }),
  answerSchema: OpenAIChatCompletionSchema,
  response: chatToResponse,
  plainAnswer: () => null,
  stream: (ctx) => new OpenAIToResponsesStream(ctx),
});
