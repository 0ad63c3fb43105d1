import type { z } from 'zod';
import { parseUpstream } from '../protocols/validate.js';
import type { ClientProtocol, UpstreamProtocol } from '../protocols/types.js';
import { parseAnswer } from './answer.js';
import type { Bridge, ContextOptions, StreamTranslator, TranslateContext } from './types.js';

/** What one translating pair supplies; the bridge around it is the same for every pair. */
export interface Translation<Body, Answer, Ctx extends TranslateContext = TranslateContext> {
  client: ClientProtocol;
  upstream: UpstreamProtocol;
  context(body: Body, opts: ContextOptions): Ctx;
  request(body: Body, ctx: Ctx): object;
  /** the upstream's whole answer, checked against its schema before `response` reads it */
  answerSchema: z.ZodType<Answer>;
  /** the client's answer: an object to serialise, or its JSON already written */
  response(answer: Answer, ctx: Ctx): object | string;
  /** the commonest answer read by pattern: the client's bytes, or null for the full path */
  plainAnswer(text: string, ctx: Ctx): string | null;
  stream(ctx: Ctx): StreamTranslator;
}

/**
 * A bridge that translates: the client body validated first (`validates`), the upstream request with the
 * attempt's model and stream flag set on it, the answer through its hot path or parse → schema →
 * translate → stringify, the stream through the pair's translator.
 */
export function translatingBridge<Body, Answer, Ctx extends TranslateContext = TranslateContext>(t: Translation<Body, Answer, Ctx>): Bridge<Body, Ctx> {
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
      const plain = t.plainAnswer(text, ctx);
      if (plain !== null) return plain;
      const out = t.response(parseUpstream(t.answerSchema, parseAnswer(upstream, text)), ctx);
      return typeof out === 'string' ? out : JSON.stringify(out);
    },
    stream: t.stream,
  };
}
