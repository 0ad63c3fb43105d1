import type { Logger } from '../logger.js';
import { forwardedHeaders } from '../pipeline/attempts.js';
import { decodeObject } from '../pipeline/intake.js';
import { ANTHROPIC_CLIENT, ANTHROPIC_UPSTREAM } from '../protocols/anthropic/spec.js';
import type { Router } from '../router/router.js';
import { clientCredential, credentialOwner } from './auth.js';
import { json } from './respond.js';
import type { CoreRequest, CoreResponse } from './types.js';

/**
 * Anthropic count_tokens: asked of the Anthropic upstream that serves the
 * model when there is one, else (or when it fails) estimated locally.
 */
export async function countTokens(req: CoreRequest, router: Router, maxBodyBytes: number, tokenSet: boolean, log: Logger): Promise<CoreResponse> {
  const body = decodeObject(await req.readBody(maxBodyBytes));
  const { model } = ANTHROPIC_CLIENT.chatFields(body);
  // only Anthropic providers count tokens upstream
  const target = router.catalog.find(model).find((e) => e.provider.countTokens);
  if (target?.provider.countTokens) {
    // bring-your-own-key: only to the provider the client's credential is for
    const key = target.provider.keyless && !tokenSet && credentialOwner('anthropic', model, router.catalog) === target.provider ? clientCredential(req.headers) : undefined;
    try {
      const res = await target.provider.countTokens({
        body: { ...body, model: target.model.id },
        stream: false,
        signal: req.signal,
        forwarded: forwardedHeaders(req.headers, ANTHROPIC_UPSTREAM, key),
      });
      const text = await res.body.text();
      if (res.statusCode === 200) return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
      log.debug({ provider: target.provider.name, status: res.statusCode }, 'count_tokens upstream failed; estimating');
    } catch (e) {
      log.debug({ provider: target.provider.name, err: (e as Error).message }, 'count_tokens upstream failed; estimating');
    }
  }
  return json(200, { input_tokens: ANTHROPIC_CLIENT.estimateInputTokens(body) });
}
