import { ProxyError } from '../errors.js';
import type { OpenAIChatCompletion, OpenAIChunk, OpenAIError, OpenAIResponseMessage, OpenAIUsage } from '../protocols/openai/types.js';
import type { SseEvent } from '../protocols/sse.js';
import { chatCompletionId, nowSeconds } from './ids.js';
import { parseJsonObject } from './json.js';
import { errorStatusOf } from './mappings.js';
import { type ToolCallDraft, ToolCallDrafts } from './openai-tool-calls.js';

/**
 * Builds the `chat.completion` an OpenAI stream amounts to: for a provider
 * that can only stream answering a non-stream client, and for recording an
 * assistant turn. Only choice 0 is kept (the proxy never asks for n > 1).
 */
export class OpenAIStreamAggregate {
  private id: string | null = null;
  private created: number | null = null;
  private model: string | null = null;
  private content = '';
  private refusal = '';
  private reasoning = '';
  private signature = '';
  private readonly calls = new ToolCallDrafts<ToolCallDraft>((index) => ({ index, id: null, name: '', args: '' }));
  private finishReason: string | null = null;
  private usage: OpenAIUsage | null = null;
  private error: OpenAIError | null = null;
  private chunks = 0;

  push(event: SseEvent): void {
    const chunk = parseJsonObject(event.data) as OpenAIChunk | null;
    if (!chunk || this.error) return;
    if (chunk.error) {
      this.error = chunk.error;
      return;
    }
    this.chunks++;
    this.id ??= chunk.id ?? null;
    this.created ??= chunk.created ?? null;
    this.model ??= chunk.model ?? null;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    const delta = choice?.delta;
    if (delta) {
      this.content += delta.content ?? '';
      this.refusal += delta.refusal ?? '';
      this.reasoning += delta.reasoning_content ?? delta.reasoning ?? '';
      this.signature += delta.reasoning_signature ?? '';
      for (const fragment of delta.tool_calls ?? []) this.calls.add(fragment);
    }
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
  }

  /** The whole response; throws the upstream's in-stream error, or 502 for a stream without a single chunk. */
  finish(): OpenAIChatCompletion {
    if (this.error) throw new ProxyError(errorStatusOf(this.error.type, this.error.code), this.error.message);
    if (this.chunks === 0) throw new ProxyError(502, 'upstream stream ended without any chunk');
    const calls = this.calls.all();
    const message: OpenAIResponseMessage = {
      role: 'assistant',
      content: this.content || (calls.length ? null : ''),
      refusal: this.refusal || null,
    };
    if (calls.length) {
      message.tool_calls = calls.map((c) => ({
        id: c.id ?? '',
        type: 'function',
        // clients JSON.parse arguments: a no-argument call streams as ""
        function: { name: c.name, arguments: c.args.trim() || '{}' },
      }));
    }
    if (this.reasoning) message.reasoning_content = this.reasoning;
    if (this.signature) message.reasoning_signature = this.signature;
    return {
      id: this.id ?? chatCompletionId(),
      object: 'chat.completion',
      created: this.created ?? nowSeconds(),
      model: this.model ?? '',
      choices: [{ index: 0, message, finish_reason: this.finishReason ?? (calls.length ? 'tool_calls' : 'stop'), logprobs: null }],
      usage: this.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
  }
}
