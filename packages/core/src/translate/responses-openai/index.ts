/** OpenAI Responses client → OpenAI Chat Completions upstream. */
import { OpenAIChatCompletionSchema } from '../../protocols/openai/types.js';
import type { ResponsesRequest } from '../../protocols/responses/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { parseAnswer } from '../answer.js';
import type { Bridge } from '../types.js';
import { type ResponsesContext, responsesContext } from './context.js';
import { responsesToChat } from './request.js';
import { chatToResponse } from './response.js';
import { OpenAIToResponsesStream } from './stream.js';

export const RESPONSES_OPENAI: Bridge<ResponsesRequest, ResponsesContext> = {
  client: 'responses',
  upstream: 'openai',
  validates: true,
  context: responsesContext,
  request(req, ctx) {
    const body = responsesToChat(req.body, ctx, { keepReasoning: false }) as unknown as Record<string, unknown>;
    body.model = ctx.model;
    body.stream = req.stream;
    // a Responses answer always reports usage
    if (req.stream) body.stream_options = { include_usage: true };
    return { body };
  },
  answer(upstream, ctx) {
    return chatToResponse(parseUpstream(OpenAIChatCompletionSchema, parseAnswer(upstream, upstream.toString('utf8'))), ctx);
  },
  stream: (ctx) => new OpenAIToResponsesStream(ctx),
};
