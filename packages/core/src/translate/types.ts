import type { ClientProtocol, UpstreamProtocol } from '../protocols/types.js';
import type { SseEvent } from '../protocols/sse.js';
import type { Logger } from '../logger.js';

/**
 * Per-request state shared by a request translation and the response/stream
 * translation of its answer (tool name shortening, tool id rewriting, what the
 * client asked for).
 */
export interface TranslateContext {
  /** model id reported to the client */
  model: string;
  /** OpenAI client asked `stream_options.include_usage` */
  includeUsage: boolean;
  /** estimate of prompt tokens, for Anthropic `message_start` when the upstream gives none yet */
  estimatedInputTokens: number;
  /** shortened tool name → original (names over 64 chars) */
  toolNames: Map<string, string>;
  /** foreign tool-call id → id valid on the other side (one map for tool_use/tool_calls and the later tool_result) */
  toolIds: Map<string, string>;
  /** Anthropic requires `max_tokens`: used when an OpenAI client sent neither max_tokens nor max_completion_tokens */
  defaultMaxTokens: number;
  /**
   * the upstream model takes `reasoning_effort`: the model's config flag, or false once it refused the field;
   * undefined = unknown, judged by the model id (see `takesReasoningEffort`)
   */
  reasoning?: boolean | undefined;
}

/** What a bridge is told of the model an attempt goes to. */
export interface ContextOptions {
  /** the upstream's model id, also what the client is told answered */
  model: string;
  /** max_tokens for upstreams that require it when the client gave none */
  defaultMaxTokens: number;
  /** the model takes `reasoning_effort` (see TranslateContext.reasoning) */
  reasoning?: boolean | undefined;
  /** for what a translation leaves out on purpose (debug level) */
  log?: Logger | undefined;
}

/** One attempt's request as the pipeline hands it to a bridge. */
export interface AttemptRequest<Body = Record<string, unknown>> {
  /** the client's body (validated when the bridge `validates`); never mutated by a bridge */
  readonly body: Body;
  /** the client's bytes, while `body` is what they say (no hook rewrote it): passthrough sends them untouched */
  readonly raw: Uint8Array | null;
  /** the model the client asked for */
  readonly model: string;
  readonly stream: boolean;
}

/** What goes upstream for one attempt. */
export interface UpstreamRequest {
  /** bytes as they are, or an object to serialise */
  body: string | Uint8Array | Record<string, unknown>;
  /** the upstream path when it depends on the request; default: the provider's chat path */
  path?: string;
  /** headers the request needs beyond the provider's own */
  headers?: Record<string, string>;
}

/** An upstream's 200 that is no answer (an error object, a cut body): the attempt failed. */
export class InvalidAnswer extends Error {
  override name = 'InvalidAnswer';
}

/**
 * A stream translator is a small state machine: the pipeline pushes each
 * upstream SSE event and writes whatever string comes back (possibly '').
 * `finish()` is called once at upstream EOF and closes the client stream
 * properly even if the upstream never said it was done. `fail()` turns an
 * error after the first byte into an in-stream error in the client's protocol.
 */
export interface StreamTranslator {
  push(event: SseEvent): string;
  finish(): string;
  fail(status: number, message: string): string;
}

/**
 * The translation of one (client, upstream) pair: request, whole answer,
 * stream. The identity bridge (same protocol both ends) passes bytes
 * through; every other pair translates. `Body` is the client request's type,
 * `Ctx` the state a request hands to its answer.
 */
export interface Bridge<Body = Record<string, unknown>, Ctx = unknown> {
  readonly client: ClientProtocol;
  readonly upstream: UpstreamProtocol;
  /** the client body must pass its protocol's whole schema first (a bad field is the client's 400, not an upstream's failure) */
  readonly validates: boolean;
  /** the per-attempt state */
  context(body: Body, opts: ContextOptions): Ctx;
  /** the upstream request; throws ProxyError(400, msg, param) on what cannot be carried */
  request(req: AttemptRequest<Body>, ctx: Ctx): UpstreamRequest;
  /** an upstream's non-stream answer → the client's bytes; InvalidAnswer or ProxyError(502) when it is none */
  answer(upstream: Buffer, ctx: Ctx): string | Buffer;
  /** upstream SSE events → client SSE text; null: the bytes pass through as they came */
  stream(ctx: Ctx): StreamTranslator | null;
}
