import type { ClientProtocol, UpstreamProtocol } from '../protocols/types.js';
import { answerShape } from './answer.js';
import { type Bridge, InvalidAnswer } from './types.js';

/**
 * Passthrough: the client speaks the upstream's protocol (one name, or a client protocol and the upstream
 * protocol that is the same on the wire, e.g. `responses` and `openai-responses`). The request's bytes
 * go up untouched unless the model changes (failover to another model, or a
 * hook rewrote the body); the answer's bytes come back as they are, checked
 * only for framing; a stream's bytes pass without a parse. Its context is
 * the upstream model id, so passthrough allocates nothing for it.
 */
export function identityBridge(client: ClientProtocol, upstream: UpstreamProtocol = client as UpstreamProtocol): Bridge<Record<string, unknown>, string> {
  return {
    client,
    upstream,
    validates: false,
    context: (_body, opts) => opts.model,
    request: (req, model) => ({ body: req.raw && model === req.model ? req.raw : { ...req.body, model } }),
    answer(upstream) {
      const why = answerShape(upstream);
      if (why) throw new InvalidAnswer(why);
      return upstream;
    },
    stream: () => null,
  };
}
