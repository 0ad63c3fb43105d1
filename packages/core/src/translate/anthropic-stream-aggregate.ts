import { ProxyError } from '../errors.js';
import type { AnthropicBlockDelta, AnthropicMessage, AnthropicResponseBlock, AnthropicStreamEvent } from '../protocols/anthropic/types.js';
import type { SseEvent } from '../protocols/sse.js';
import { parseJsonObject } from './json.js';
import { errorStatusOf, mergeAnthropicUsage } from './mappings.js';
import { parseToolArguments } from './tools.js';

/**
 * Builds the `message` an Anthropic stream amounts to, the way the official
 * SDK's MessageStream accumulates it: for a provider that can only stream
 * answering a non-stream client, and for recording an assistant turn.
 */
export class AnthropicStreamAggregate {
  private message: AnthropicMessage | null = null;
  /** tool_use block index → its input JSON so far */
  private readonly json = new Map<number, string>();
  private error: { type?: unknown; message?: unknown } | null = null;

  push(event: SseEvent): void {
    const data = parseJsonObject(event.data) as AnthropicStreamEvent | null;
    if (!data || this.error) return;
    if (data.type === 'error') this.error = data.error ?? {};
    else if (data.type === 'message_start' && data.message) {
      this.message = { ...data.message, content: [], usage: { ...data.message.usage } };
    } else if (this.message) this.apply(this.message, data);
  }

  /** The whole message; throws the upstream's in-stream error, or 502 for a stream that never started a message. */
  finish(): AnthropicMessage {
    if (this.error) throw new ProxyError(errorStatusOf(this.error.type), String(this.error.message ?? 'upstream error'));
    if (!this.message) throw new ProxyError(502, 'upstream stream ended without message_start');
    for (const index of this.json.keys()) this.closeTool(this.message, index);
    // a block index the stream skipped would leave a hole
    return { ...this.message, content: this.message.content.filter(Boolean) };
  }

  private apply(message: AnthropicMessage, event: AnthropicStreamEvent): void {
    switch (event.type) {
      case 'content_block_start':
        if (event.content_block) message.content[event.index] = { ...event.content_block };
        if (event.content_block?.type === 'tool_use') this.json.set(event.index, '');
        break;
      case 'content_block_delta':
        if (event.delta) this.delta(message.content[event.index], event.index, event.delta);
        break;
      case 'content_block_stop':
        this.closeTool(message, event.index);
        break;
      case 'message_delta':
        message.stop_reason = event.delta?.stop_reason ?? message.stop_reason;
        message.stop_sequence = event.delta?.stop_sequence ?? message.stop_sequence ?? null;
        mergeAnthropicUsage(message.usage, event.usage);
        break;
    }
  }

  private delta(block: AnthropicResponseBlock | undefined, index: number, delta: AnthropicBlockDelta): void {
    if (delta.type === 'text_delta' && block?.type === 'text') block.text += delta.text ?? '';
    else if (delta.type === 'thinking_delta' && block?.type === 'thinking') block.thinking += delta.thinking ?? '';
    else if (delta.type === 'signature_delta' && block?.type === 'thinking') block.signature = delta.signature ?? '';
    else if (delta.type === 'input_json_delta' && this.json.has(index)) this.json.set(index, (this.json.get(index) ?? '') + (delta.partial_json ?? ''));
  }

  private closeTool(message: AnthropicMessage, index: number): void {
    const json = this.json.get(index);
    const block = message.content[index];
    if (json === undefined || block?.type !== 'tool_use') return;
    this.json.delete(index);
    // no deltas: keep the input content_block_start carried
    if (json.trim()) block.input = parseToolArguments(json) ?? {};
  }
}
