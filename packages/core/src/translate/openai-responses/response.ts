/** A Responses answer as a Chat Completions client's completion. */
import { OPENAI_TOOL_IDS } from '../../protocols/openai/spec.js';
import type { OpenAIChatCompletion, OpenAIResponseMessage, OpenAIToolCall, OpenAIUsage } from '../../protocols/openai/types.js';
import type { ResponsesFunctionCall, ResponsesReasoning, ResponsesResponse } from '../../protocols/responses/types.js';
import { chatCompletionId, nowSeconds } from '../ids.js';
import { asCount, asRecord } from '../json.js';
import type { OpenAIFinishReason } from '../mappings.js';
import { toolIdFor } from '../tools.js';
import type { TranslateContext } from '../types.js';

/** Responses usage in Chat Completions terms (stream usage is unvalidated: wrong types count as 0). */
export function responsesUsageToChat(usage: unknown): OpenAIUsage {
  const u = asRecord(usage);
  const prompt = asCount(u.input_tokens);
  const completion = asCount(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: asCount(asRecord(u.input_tokens_details).cached_tokens) },
    completion_tokens_details: { reasoning_tokens: asCount(asRecord(u.output_tokens_details).reasoning_tokens) },
  };
}

/** A response's status and incomplete reason → finish_reason; tool calls make it `tool_calls` whatever the status. */
export function finishOf(status: unknown, reason: unknown, calls: boolean): OpenAIFinishReason {
  if (status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calls ? 'tool_calls' : 'stop';
}

export function responseToChat(res: ResponsesResponse, ctx: TranslateContext): OpenAIChatCompletion {
  let text = '';
  let refusal = '';
  let reasoning = '';
  const calls: OpenAIToolCall[] = [];
  for (const item of res.output) {
    if (item.type === 'message' && 'content' in item && Array.isArray(item.content)) {
      for (const part of item.content as { type: string; text?: string | null; refusal?: string | null }[]) {
        if (part.type === 'output_text') text += part.text ?? '';
        else if (part.type === 'refusal') refusal += part.refusal ?? '';
      }
    } else if (item.type === 'function_call') {
      const c = item as ResponsesFunctionCall;
      calls.push({ id: toolIdFor(OPENAI_TOOL_IDS, c.call_id, ctx), type: 'function', function: { name: c.name, arguments: c.arguments } });
    } else if (item.type === 'reasoning') {
      reasoning += (item as ResponsesReasoning).summary.map((s) => s.text).join('\n\n');
    }
    // hosted tool calls (web_search_call…) and custom tool calls have no Chat Completions form
  }
  const message: OpenAIResponseMessage = { role: 'assistant', content: text || (calls.length ? null : ''), refusal: refusal || null };
  if (calls.length) message.tool_calls = calls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    id: chatCompletionId(),
    object: 'chat.completion',
    created: nowSeconds(),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: finishOf(res.status, res.incomplete_details?.reason, calls.length > 0), logprobs: null }],
    usage: responsesUsageToChat(res.usage),
  };
}
