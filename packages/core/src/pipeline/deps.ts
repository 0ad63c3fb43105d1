import type { Logger } from '../logger.js';
import type { Router } from '../router/router.js';
import type { StreamRedactor } from '../secrets.js';
import type { Hooks } from './hooks.js';

/** What the pipeline's stages share, built once per proxy. */
export interface PipelineDeps {
  router: Router;
  log: Logger;
  hooks: Hooks;
  maxAttempts: number;
  /** ms from a request's arrival after which no further candidate is tried */
  deadlineMs: number;
  maxBodyBytes: number;
  /** TOKEN is set: the client's credential is the proxy's and never goes upstream */
  tokenSet: boolean;
  /** max_tokens for upstreams that require it when the client gave none */
  defaultMaxTokens: number;
  /** keep-alive period of streams; also how long the first chunk is awaited before committing */
  heartbeatMs: number;
  /** masks configured secrets in text an upstream sent */
  redact: (text: string) => string;
  /** the same for passed-through stream bytes; null when no secret is configured */
  streamRedactor: (() => StreamRedactor) | null;
  /** models (router keys) that refused `reasoning_effort`: it is left out for them from then on */
  noReasoning: Set<string>;
}
