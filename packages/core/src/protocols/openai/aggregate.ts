import { ProxyError } from '../../errors.js';
import type { OpenAIChatCompletion, OpenAIResponseMessage, OpenAIUsage } from './types.js';
import type { SseEvent } from '../sse.js';
import { chatCompletionId, nowSeconds } from '../../translate/ids.js';
import { asArray, asCount, asRecord, asString, isRecord, parseJsonObject } from '../../translate/json.js';
import { OPENAI_ERRORS } from './errors.js';
import { inStreamError } from '../../translate/mappings.js';
import { type ToolCallDraft, ToolCallDrafts } from '../../translate/openai-tool-calls.js';

/**
 * Builds the `chat.completion` an OpenAI stream amounts to: for a provider
 * that can only stream answering a non-stream client, and for recording an
 * assistant turn. Only choice 0 is kept (the proxy never asks for n > 1).
 * Stream data is unvalidated, so fields are read defensively.
 */
export class OpenAIStreamAggregate {
  private id = '';
  private created = 0;
  private model = '';
  private content = '';
  private refusal = '';
  private reasoning = '';
  private signature = '';
  private readonly calls = new ToolCallDrafts<ToolCallDraft>((index) => ({ index, id: null, name: '', args: '' }));
  private finishReason = '';
  private usage: OpenAIUsage | null = null;
  private error: { status: number; message: string } | null = null;
  private chunks = 0;
  private done = false;

  push(event: SseEvent): void {
    if (this.done || this.error) return;
    if (event.data.trim() === '[DONE]') {
      this.done = true;
      return;
    }
    const chunk = parseJsonObject(event.data);
    if (!chunk) return;
    if (chunk.error) {
      this.error = inStreamError(chunk.error, OPENAI_ERRORS);
      return;
    }
    this.chunks++;
    this.id ||= asString(chunk.id);
    this.created ||= asCount(chunk.created);
    this.model ||= asString(chunk.model);
    if (isRecord(chunk.usage)) this.usage = usageOf(chunk.usage);
    const choice = asArray(chunk.choices).find((c) => isRecord(c) && (c.index ?? 0) === 0);
    if (isRecord(choice)) this.choice(choice);
  }

  /** The whole response; throws the upstream's in-stream error, or 502 for a stream without a single chunk. */
  finish(): OpenAIChatCompletion {
    if (this.error) throw new ProxyError(this.error.status, this.error.message);
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
      id: this.id || chatCompletionId(),
      object: 'chat.completion',
      created: this.created || nowSeconds(),
      model: this.model,
      choices: [{ index: 0, message, finish_reason: this.finishReason || (calls.length ? 'tool_calls' : 'stop'), logprobs: null }],
      usage: this.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
  }

  private choice(choice: Record<string, unknown>): void {
    const delta = asRecord(choice.delta);
    this.content += asString(delta.content);
    this.refusal += asString(delta.refusal);
    this.reasoning += asString(delta.reasoning_content) || asString(delta.reasoning);
    this.signature += asString(delta.reasoning_signature);
    for (const fragment of asArray(delta.tool_calls)) if (isRecord(fragment)) this.calls.add(fragment);
    this.finishReason = asString(choice.finish_reason) || this.finishReason;
  }
}

/** The upstream's usage with its counts made numbers (extra fields, like completion_tokens_details, kept). */
function usageOf(usage: Record<string, unknown>): OpenAIUsage {
  const prompt = asCount(usage.prompt_tokens);
  const completion = asCount(usage.completion_tokens);
  return { ...usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: asCount(usage.total_tokens) || prompt + completion };
}
