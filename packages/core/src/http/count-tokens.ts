import { estimateInputTokens } from '../translate/index.js';
import type { Router } from '../router/router.js';
import type { Logger } from '../logger.js';
import { clientCredential, credentialOwner } from './auth.js';
import { checkChatBody, forwardedHeaders } from './chat.js';
import { decodeJson } from './json-body.js';
import { json } from './respond.js';
import type { CoreRequest, CoreResponse } from './types.js';

/**
 * Anthropic count_tokens: asked of the Anthropic upstream that serves the
 * model when there is one, else (or when it fails) estimated locally.
 */
export async function countTokens(req: CoreRequest, router: Router, maxBodyBytes: number, tokenSet: boolean, log: Logger): Promise<CoreResponse> {
  const { body, model } = checkChatBody(decodeJson(await req.readBody(maxBodyBytes)));
  const target = router.catalog.find(model).find((e) => e.provider.protocol === 'anthropic' && e.provider.countTokens);
  if (target?.provider.countTokens) {
    // bring-your-own-key: only to the provider the client's credential is for
    const key = target.provider.keyless && !tokenSet && credentialOwner('anthropic', model, router.catalog) === target.provider ? clientCredential(req.headers) : undefined;
    try {
      const res = await target.provider.countTokens({
        body: { ...body, model: target.model.id },
        stream: false,
        signal: req.signal,
        forwarded: forwardedHeaders(req, target, key),
      });
      const text = await res.body.text();
      if (res.statusCode === 200) return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
      log.debug({ provider: target.provider.name, status: res.statusCode }, 'count_tokens upstream failed; estimating');
    } catch (e) {
      log.debug({ provider: target.provider.name, err: (e as Error).message }, 'count_tokens upstream failed; estimating');
    }
  }
  return json(200, { input_tokens: estimateInputTokens('anthropic', body) });
}
