import type { Logger } from '../../logger.js';
import { RESPONSES_CLIENT } from '../../protocols/responses/spec.js';
import type { ResponsesRequest } from '../../protocols/responses/types.js';
import type { ContextOptions, TranslateContext } from '../types.js';

/** A Responses client's attempt: what its answer echoes and how it maps tools back. */
export interface ResponsesContext extends TranslateContext {
  body: ResponsesRequest;
  /** the names of the client's custom (freeform) tools: their calls go back as custom_tool_call items */
  custom: Set<string>;
  /** the client asked for `reasoning.encrypted_content` (thinking signatures) */
  encrypted: boolean;
  log?: Logger | undefined;
}

export function responsesContext(body: ResponsesRequest, opts: ContextOptions): ResponsesContext {
  return {
    model: opts.model,
    // usage is always asked of the upstream: a Responses answer always reports it
    includeUsage: true,
    estimatedInputTokens: RESPONSES_CLIENT.estimateInputTokens(body as unknown as Record<string, unknown>),
    toolNames: new Map(),
    toolIds: new Map(),
    defaultMaxTokens: opts.defaultMaxTokens,
    reasoning: opts.reasoning,
    body,
    custom: new Set(),
    encrypted: body.include?.includes('reasoning.encrypted_content') === true,
    log: opts.log,
  };
}
