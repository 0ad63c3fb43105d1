/** An OpenAI upstream's whole answer, for an Anthropic client. */
import { ANTHROPIC_TOOL_IDS } from '../../protocols/anthropic/spec.js';
import { messageId } from '../ids.js';
import { finishToStopReason, openaiUsageToAnthropic } from '../mappings.js';
import { originalToolName, parseToolArguments, toolIdFor } from '../tools.js';
import type { TranslateContext } from '../types.js';
import type { OpenAIChatCompletion } from '../../protocols/openai/types.js';
import type { AnthropicMessage, AnthropicResponseBlock } from '../../protocols/anthropic/types.js';

export function openaiResponseToAnthropic(res: OpenAIChatCompletion, ctx: TranslateContext): AnthropicMessage {
  const choice = res.choices[0];
  const message = choice?.message;
  const content: AnthropicResponseBlock[] = [];
  const reasoning = message?.reasoning_content ?? message?.reasoning;
  if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: message?.reasoning_signature ?? '' });
  const text = message?.content || message?.refusal;
  if (text) content.push({ type: 'text', text });
  for (const call of message?.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: toolIdFor(ANTHROPIC_TOOL_IDS, call.id, ctx),
      name: originalToolName(call.function.name, ctx),
      // an upstream's malformed arguments cannot be an Anthropic input: an empty object is the closest valid answer
      input: parseToolArguments(call.function.arguments) ?? {},
    });
  }
  const producedTools = Boolean(message?.tool_calls?.length);
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: message?.refusal && !message.content ? 'refusal' : finishToStopReason(choice?.finish_reason, producedTools),
    stop_sequence: null,
    usage: res.usage ? openaiUsageToAnthropic(res.usage) : { input_tokens: ctx.estimatedInputTokens, output_tokens: 0 },
  };
}
