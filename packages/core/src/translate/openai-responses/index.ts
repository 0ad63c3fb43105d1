/** OpenAI Chat Completions client → OpenAI Responses upstream. */
import { OPENAI_CLIENT } from '../../protocols/openai/spec.js';
import type { OpenAIChatRequest } from '../../protocols/openai/types.js';
import { ResponsesResponseSchema } from '../../protocols/responses/types.js';
import { parseUpstream } from '../../protocols/validate.js';
import { parseAnswer } from '../answer.js';
import { translateContext } from '../context.js';
import { isRecord } from '../json.js';
import type { Bridge, TranslateContext } from '../types.js';
import { chatToResponses } from './request.js';
import { responseToChat } from './response.js';
import { ResponsesToOpenAIStream } from './stream.js';

export const OPENAI_RESPONSES: Bridge<OpenAIChatRequest, TranslateContext> = {
  client: 'openai',
  upstream: 'openai-responses',
  validates: true,
  context(body, opts) {
    const so = body.stream_options;
    return translateContext(opts, OPENAI_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>), isRecord(so) && so.include_usage === true);
  },
  request(req, ctx) {
    const body = chatToResponses(req.body, ctx);
    body.model = ctx.model;
    body.stream = req.stream;
    return { body };
  },
  answer: (upstream, ctx) => JSON.stringify(responseToChat(parseUpstream(ResponsesResponseSchema, parseAnswer(upstream, upstream.toString('utf8'))), ctx)),
  stream: (ctx) => new ResponsesToOpenAIStream(ctx),
};
