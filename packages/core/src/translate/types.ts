import type { SseEvent } from '../protocols/sse.js';

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
  reasoning?: boolean;
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
