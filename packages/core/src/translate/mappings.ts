/** The tables both directions share: stop reasons, usage, reasoning effort, error types. */
import type { AnthropicDeltaUsage, AnthropicStopReason, AnthropicUsage } from '../protocols/anthropic/types.js';
import type { OpenAIReasoningEffort, OpenAIUsage } from '../protocols/openai/types.js';
import type { ErrorTypes } from '../protocols/types.js';
import { asCount, asRecord, asString, isRecord } from './json.js';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * OpenAI finish_reason → Anthropic stop_reason. When tool calls were produced
 * the answer is `tool_use` even if the upstream said `stop`: clients only run
 * the tools of a `tool_use` turn.
 */
export function finishToStopReason(finish: string | null | undefined, producedToolCalls: boolean): AnthropicStopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return producedToolCalls ? 'tool_use' : 'end_turn';
  }
}

/** Anthropic stop_reason → OpenAI finish_reason, with the same forcing when tool calls were produced. */
export function stopReasonToFinish(stop: string | null | undefined, producedToolCalls: boolean): OpenAIFinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default: // end_turn, stop_sequence, pause_turn
      return producedToolCalls ? 'tool_calls' : 'stop';
  }
}

const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

/** Anthropic usage counts as they may arrive (message_start, message_delta, a finished message). */
export type AnthropicUsageLike = { [K in (typeof USAGE_KEYS)[number]]?: number | null };

/** Anthropic usage counters are cumulative totals (message_start, then message_delta): a present value replaces the earlier one. */
export function mergeAnthropicUsage(into: AnthropicUsageLike, usage: unknown): void {
  if (!isRecord(usage)) return;
  for (const key of USAGE_KEYS) {
    const value = usage[key];
    if (typeof value === 'number' && Number.isFinite(value)) into[key] = value;
  }
}

/**
 * OpenAI `prompt_tokens` includes cached tokens; Anthropic `input_tokens`
 * excludes cache reads and writes. Stream usage is unvalidated: wrong types count as 0.
 */
export function openaiUsageToAnthropic(usage: OpenAIUsage): AnthropicUsage {
  const details = asRecord(usage.prompt_tokens_details);
  const read = asCount(details.cached_tokens);
  const written = asCount(details.cache_write_tokens);
  return {
    input_tokens: Math.max(0, asCount(usage.prompt_tokens) - read - written),
    output_tokens: asCount(usage.completion_tokens),
    ...(read > 0 ? { cache_read_input_tokens: read } : {}),
    ...(written > 0 ? { cache_creation_input_tokens: written } : {}),
  };
}

export function anthropicUsageToOpenai(usage: AnthropicUsageLike): OpenAIUsage {
  const read = asCount(usage.cache_read_input_tokens);
  const written = asCount(usage.cache_creation_input_tokens);
  const prompt = asCount(usage.input_tokens) + read + written;
  const completion = asCount(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, ...(written > 0 ? { cache_write_tokens: written } : {}) },
  };
}

/** `message_delta.usage`: output_tokens always (the SDK reads it unconditionally), the input side when known. */
export function deltaUsage(usage: AnthropicUsage | null): AnthropicDeltaUsage {
  if (!usage) return { output_tokens: 0 };
  const { output_tokens, ...input } = usage;
  return { output_tokens, ...input };
}

const EFFORT_BUDGET: Partial<Record<OpenAIReasoningEffort, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 4096,
};

/** `reasoning_effort` → thinking budget; null for none/absent. */
export const effortToBudget = (effort: OpenAIReasoningEffort | null | undefined): number | null =>
  (effort && EFFORT_BUDGET[effort]) ?? null;

export function budgetToEffort(budget: number): 'low' | 'medium' | 'high' {
  if (budget <= 1024) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

/**
 * Families known to take `reasoning_effort` low/medium/high on Chat
 * Completions: OpenAI o1 (not o1-mini/o1-preview), o3, o4-mini, gpt-5 (not
 * the -chat models), gpt-oss; Gemini 2.5 and later on its OpenAI endpoint.
 * Left out on purpose: grok-3-mini (low/high only), Qwen3 on Groq (none/default).
 */
const REASONING_FAMILY = /^(?:o1(?!-mini|-preview)|o[34]|gpt-5(?!.*-chat)|gpt-oss|gemini-(?:2\.5|[3-9]))(?![a-z0-9])/i;

/**
 * Whether to send `reasoning_effort` to an OpenAI-compatible model: as its
 * config says (or the pipeline learned from a refusal); unknown, only to a
 * known reasoning family, judged by the id's last segment (`openai/o3`,
 * `models/gemini-2.5-pro`). Non-reasoning models refuse the field with a 400,
 * while leaving it out of an unknown reasoning model only costs the effort
 * setting: the model reasons at its default.
 */
export function takesReasoningEffort(model: string, known: boolean | undefined): boolean {
  return known ?? REASONING_FAMILY.test(model.slice(model.lastIndexOf('/') + 1));
}

/**
 * An upstream's refusal of `reasoning_effort` (OpenAI: 400 "Unsupported
 * parameter: 'reasoning_effort'…"; FastAPI-style servers, Mistral: 422): for
 * a request that carried the field, the pipeline retries once with
 * `ctx.reasoning = false` and remembers it for the model.
 */
export function refusedReasoningEffort(status: number, message: string): boolean {
  return (status === 400 || status === 422) && /reasoning/i.test(message);
}

/** The `error` of an in-stream error event (an object, a bare string, or junk) → status and message, by the upstream protocol's types. */
export function inStreamError(error: unknown, types: ErrorTypes): { status: number; message: string } {
  if (typeof error === 'string' && error) return { status: 500, message: error };
  const e = asRecord(error);
  return { status: types.statusOf(e.type, e.code), message: asString(e.message) || 'upstream error' };
}
