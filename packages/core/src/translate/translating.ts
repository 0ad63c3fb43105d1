import type { z } from 'zod';
import { parseUpstream } from '../protocols/validate.js';
import type { ClientProtocol, UpstreamProtocol } from '../protocols/types.js';
import { parseAnswer } from './answer.js';
import type { Bridge, ContextOptions, StreamTranslator, TranslateContext } from './types.js';

/** What one translating pair supplies; the bridge around it is the same for every pair. */
export interface Translation<Body, Answer> {
  client: ClientProtocol;
  upstream: UpstreamProtocol;
  context(body: Body, opts: ContextOptions): TranslateContext;
  request(body: Body, ctx: TranslateContext): object;
  /** the upstream's whole answer, checked against its schema before `response` reads it */
  answerSchema: z.ZodType<Answer>;
  response(answer: Answer, ctx: TranslateContext): object;
  /** the commonest answer read by pattern: the client's bytes, or null for the full path */
  plainAnswer(text: string, ctx: TranslateContext): string | null;
  stream(ctx: TranslateContext): StreamTranslator;
}

/**
 * A bridge that translates: the client body validated first (`validates`), the upstream request with the
 * attempt's model and stream flag set on it, the answer through its hot path or parse → schema →
 * translate → stringify, the stream through the pair's translator.
 */
export function translatingBridge<Body, Answer>(t: Translation<Body, Answer>): Bridge<Body, TranslateContext> {
  return {
    client: t.client,
    upstream: t.upstream,
    validates: true,
    context: t.context,
    request(req, ctx) {
      const body = t.request(req.body, ctx) as Record<string, unknown>;
      body.model = ctx.model;
      body.stream = req.stream;
      return { body };
    },
    answer(upstream, ctx) {
      const text = upstream.toString('utf8');
      return t.plainAnswer(text, ctx) ?? JSON.stringify(t.response(parseUpstream(t.answerSchema, parseAnswer(upstream, text)), ctx));
    },
    stream: t.stream,
  };
}
