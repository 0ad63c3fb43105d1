/**
 * The protocol registries: one spec per protocol, exhaustive by type, so a
 * protocol added to ClientProtocol or UpstreamProtocol fails to compile until
 * its spec is here.
 */
import type { CoreRequest } from '../http/types.js';
import { ANTHROPIC_CLIENT, ANTHROPIC_UPSTREAM } from './anthropic/spec.js';
import { OPENAI_CLIENT, OPENAI_UPSTREAM } from './openai/spec.js';
import { RESPONSES_CLIENT, RESPONSES_UPSTREAM } from './responses/spec.js';
import type { ClientProtocol, ClientSpec, UpstreamProtocol, UpstreamSpec } from './types.js';

export type { ChatFields, ClientProtocol, ClientSpec, UpstreamProtocol, UpstreamSpec } from './types.js';

export const CLIENTS: Readonly<Record<ClientProtocol, ClientSpec>> = { openai: OPENAI_CLIENT, anthropic: ANTHROPIC_CLIENT, responses: RESPONSES_CLIENT };
export const UPSTREAMS: Readonly<Record<UpstreamProtocol, UpstreamSpec>> = {
  openai: OPENAI_UPSTREAM,
  anthropic: ANTHROPIC_UPSTREAM,
  'openai-responses': RESPONSES_UPSTREAM,
};

/** The client protocol of a request on no protocol's route: the first that the request announces, else OpenAI's. */
export function announcedProtocol(req: CoreRequest): ClientSpec {
  for (const spec of Object.values(CLIENTS)) if (spec.announcedBy(req)) return spec;
  return OPENAI_CLIENT;
}
