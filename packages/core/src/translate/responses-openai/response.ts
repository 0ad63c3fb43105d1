/** A Chat Completions answer as a Responses client's response object. */
import type { OpenAIChatCompletion, OpenAIUsage } from '../../protocols/openai/types.js';
import type { ResponsesUsage } from '../../protocols/responses/types.js';
import {
  customToolCallItem,
  functionCallItem,
  type IncompleteReason,
  messageItem,
  type OutputItem,
  reasoningItem,
  refusalItem,
  ResponseEnvelope,
} from '../../protocols/responses/writer.js';
import { asCount, asRecord, isRecord } from '../json.js';
import { parseToolArguments } from '../tools.js';
import type { ResponsesContext } from './context.js';
import { CUSTOM_INPUT } from './request.js';

/** Chat Completions usage in the Responses API's terms (stream usage is unvalidated: wrong types count as 0). */
export function chatUsageToResponses(usage: OpenAIUsage | null | undefined, estimate: number): ResponsesUsage {
  if (!usage) return { input_tokens: estimate, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: estimate };
  const input = asCount(usage.prompt_tokens);
  const output = asCount(usage.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: asCount(asRecord(usage.prompt_tokens_details).cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: asCount(asRecord(usage.completion_tokens_details).reasoning_tokens) },
    total_tokens: input + output,
  };
}

/** finish_reason → why the response is incomplete (null: it is complete). */
export function incompleteReason(finish: string | null | undefined): IncompleteReason | null {
  if (finish === 'length') return 'max_output_tokens';
  if (finish === 'content_filter') return 'content_filter';
  return null;
}

/** A custom tool's input out of the one-string-argument function it travelled as (the raw arguments if they are not that). */
export function customInput(args: string): string {
  const parsed = parseToolArguments(args);
  const input = parsed?.[CUSTOM_INPUT];
  return typeof input === 'string' ? input : args;
}

/** A tool call as its output item: a custom_tool_call for the client's custom tools, else a function_call. */
export function callItem(ctx: ResponsesContext, callId: string, name: string, args: string, id?: string): OutputItem {
  return ctx.custom.has(name) ? customToolCallItem(callId, name, customInput(args), id) : functionCallItem(callId, name, args.trim() || '{}', id);
}

export function chatToResponse(res: OpenAIChatCompletion, ctx: ResponsesContext): string {
  const choice = res.choices[0];
  const m = choice?.message;
  const output: OutputItem[] = [];
  const reasoning = m?.reasoning_content ?? m?.reasoning;
  if (reasoning) output.push(reasoningItem(reasoning, ctx.encrypted ? (m?.reasoning_signature ?? null) : null));
  if (m?.content) output.push(messageItem(m.content));
  else if (m?.refusal) output.push(refusalItem(m.refusal));
  for (const call of m?.tool_calls ?? []) output.push(callItem(ctx, call.id, call.function.name, call.function.arguments));
  const incomplete = incompleteReason(choice?.finish_reason);
  const usage = chatUsageToResponses(isRecord(res.usage) ? res.usage : null, ctx.estimatedInputTokens);
  return new ResponseEnvelope(ctx.body, ctx.model).json(incomplete ? 'incomplete' : 'completed', JSON.stringify(output), usage, incomplete);
}
