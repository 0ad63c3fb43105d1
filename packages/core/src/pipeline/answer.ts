import { clockMs } from '../clock.js';
import { ProxyError } from '../errors.js';
import type { CoreResponse } from '../http/types.js';
import { ClientAbort } from '../providers/http.js';
import type { UpstreamResponse } from '../providers/types.js';
import { InvalidAnswer } from '../translate/types.js';
import { type Attempt, answerHeaders, Retry } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { type Answer, fire } from './hooks.js';

/**
 * Answer: a whole (non-stream) upstream answer, read within its bound, made
 * the client's by the bridge (the identity bridge only checks its framing).
 * One that is no answer fails over like any failed call.
 */
export async function answerJson(a: Attempt, res: UpstreamResponse, deps: PipelineDeps): Promise<CoreResponse | Retry> {
  const ttfb = clockMs() - a.started;
  const buf = await res.body.bytes();
  let body: string | Buffer;
  try {
    body = a.bridge.answer(buf, a.ctx);
  } catch (e) {
    if (e instanceof InvalidAnswer) return new Retry(new ProxyError(502, `${a.c.provider.name}: answered 200 without a valid response (${e.message})`));
    if (e instanceof ProxyError) return new Retry(e);
    throw e;
  }
  if (a.req.http.signal.aborted) throw new ClientAbort();
  void deps.router.record(a.c, 'success', ttfb);
  if (deps.hooks.afterAnswer.length) {
    const pending = fire(deps.hooks.afterAnswer, a.req, answerOf(a, body));
    if (pending) await pending;
  }
  return { status: 200, headers: answerHeaders(a, false), body };
}

function answerOf(a: Attempt, body: string | Buffer): Answer {
  let parsed: Record<string, unknown> | undefined;
  return {
    candidate: a.c,
    attempts: a.attempt,
    body,
    json: () => (parsed ??= JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as Record<string, unknown>),
  };
}
