/** An Anthropic upstream's whole answer, for an OpenAI client. */
import { chatCompletionId, nowSeconds } from '../ids.js';
import { anthropicUsageToOpenai, stopReasonToFinish } from '../mappings.js';
import { openaiToolCall as toolCall, originalToolName } from '../tools.js';
import type { TranslateContext } from '../types.js';
import type { OpenAIChatCompletion, OpenAIResponseMessage, OpenAIToolCall } from '../../protocols/openai/types.js';
import type { AnthropicMessage, AnthropicThinkingBlock } from '../../protocols/anthropic/types.js';

export function anthropicResponseToOpenai(res: AnthropicMessage, ctx: TranslateContext): OpenAIChatCompletion {
  const text: string[] = [];
  const thinking: AnthropicThinkingBlock[] = [];
  const calls: OpenAIToolCall[] = [];
  for (const block of res.content) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'thinking') thinking.push(block);
    else if (block.type === 'tool_use') calls.push(toolCall(block.id, originalToolName(block.name, ctx), block.input, ctx));
    // redacted_thinking and server-tool blocks have no OpenAI form
  }
  const message: OpenAIResponseMessage = {
    role: 'assistant',
    content: text.length || !calls.length ? text.join('') : null,
    refusal: null,
  };
  if (calls.length) message.tool_calls = calls;
  if (thinking.length) {
    message.reasoning_content = thinking.map((b) => b.thinking).join('');
    // one signature covers one block's text: only a single block can be restored faithfully
    if (thinking.length === 1 && thinking[0]?.signature) message.reasoning_signature = thinking[0].signature;
  }
  return {
    id: chatCompletionId(),
    object: 'chat.completion',
    created: nowSeconds(),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: stopReasonToFinish(res.stop_reason, calls.length > 0), logprobs: null }],
    usage: anthropicUsageToOpenai(res.usage ?? {}),
  };
}
