/**
 * The chat request path as named stages (docs/architecture.md):
 *
 *   intake → [beforeAttempt] → attempts → answer  → [afterAnswer]
 *                                        ↘ stream → [onStreamEnd]
 *
 * intake reads and checks the body in the client protocol's terms; attempts
 * tries the router's candidates, each through the bridge of (client, its
 * protocol), failing over before the first byte; answer and stream make the
 * upstream's answer the client's.
 */
import type { CoreRequest, CoreResponse } from '../http/types.js';
import type { Observation } from '../observe.js';
import type { ClientSpec } from '../protocols/types.js';
import { attempts } from './attempts.js';
import type { PipelineDeps } from './deps.js';
import { fire } from './hooks.js';
import { intake } from './intake.js';

export type { PipelineDeps } from './deps.js';
export { type Answer, type ChatHooks, Hooks, type StreamEnd } from './hooks.js';
export { ChatRequest } from './request.js';

/** One chat request, in the client protocol of its route. */
export async function runChat(client: ClientSpec, http: CoreRequest, deps: PipelineDeps, observation: Observation | null = null): Promise<CoreResponse> {
  // read here, not in intake: one async step less per request
  const req = intake(client, http, await http.readBody(deps.maxBodyBytes));
  if (observation) {
    req.observation = observation;
    observation.client = client.name;
    observation.modelAsked = req.model;
  }
  if (deps.hooks.beforeAttempt.length) {
    const pending = fire(deps.hooks.beforeAttempt, req);
    if (pending) await pending;
  }
  return attempts(req, deps);
}
