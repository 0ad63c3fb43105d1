/**
 * Every (client, upstream) pair's bridge. The table is exhaustive by type: a
 * protocol added to ClientProtocol or UpstreamProtocol fails to compile until
 * each of its pairs is here; `assertBridges` checks the same at start-up for
 * the protocols a configuration actually uses.
 */
import type { ClientProtocol, UpstreamProtocol } from '../protocols/types.js';
import { ANTHROPIC_OPENAI } from './anthropic-openai/index.js';
import { ANTHROPIC_RESPONSES } from './anthropic-responses/index.js';
import { identityBridge } from './identity.js';
import { OPENAI_ANTHROPIC } from './openai-anthropic/index.js';
import { OPENAI_RESPONSES } from './openai-responses/index.js';
import { RESPONSES_ANTHROPIC } from './responses-anthropic/index.js';
import { RESPONSES_OPENAI } from './responses-openai/index.js';
import type { Bridge } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each pair has its own body and context types
type AnyBridge = Bridge<any, any>;

const BRIDGES: { readonly [C in ClientProtocol]: { readonly [U in UpstreamProtocol]: AnyBridge } } = {
  openai: { openai: identityBridge('openai'), anthropic: OPENAI_ANTHROPIC, 'openai-responses': OPENAI_RESPONSES },
  anthropic: { openai: ANTHROPIC_OPENAI, anthropic: identityBridge('anthropic'), 'openai-responses': ANTHROPIC_RESPONSES },
  responses: { openai: RESPONSES_OPENAI, anthropic: RESPONSES_ANTHROPIC, 'openai-responses': identityBridge('responses', 'openai-responses') },
};

export function bridgeFor(client: ClientProtocol, upstream: UpstreamProtocol): AnyBridge {
  const b = BRIDGES[client]?.[upstream];
  if (!b) throw new Error(`no bridge from ${client} clients to ${upstream} upstreams`);
  return b;
}

/** Throws when a client protocol served here cannot reach a configured upstream's protocol. */
export function assertBridges(clients: readonly ClientProtocol[], upstreams: readonly UpstreamProtocol[]): void {
  for (const c of clients) for (const u of upstreams) bridgeFor(c, u);
}
