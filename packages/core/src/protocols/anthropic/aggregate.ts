import { ProxyError } from '../../errors.js';
import type { AnthropicMessage, AnthropicResponseBlock } from './types.js';
import type { SseEvent } from '../sse.js';
import { asRecord, asString, isRecord, parseJsonObject } from '../../translate/json.js';
import { ANTHROPIC_ERRORS } from './errors.js';
import { inStreamError, mergeAnthropicUsage } from '../../translate/mappings.js';
import { parseToolArguments } from '../../translate/tools.js';

/** A block being built; tool input accumulates as JSON text until the block stops. */
type Draft = AnthropicResponseBlock & { json?: string };

/**
 * Builds the `message` an Anthropic stream amounts to, the way the official
 * SDK's MessageStream accumulates it: for a provider that can only stream
 * answering a non-stream client, and for recording an assistant turn. Stream
 * data is unvalidated, so fields are read defensively; block types it does
 * not know are left out, as in a translated non-stream answer.
 */
export class AnthropicStreamAggregate {
  private message: AnthropicMessage | null = null;
  /** by the upstream's block index, in the order blocks started */
  private readonly blocks = new Map<unknown, Draft>();
  private error: { status: number; message: string } | null = null;
  private done = false;

  push(event: SseEvent): void {
    if (this.done || this.error) return;
    const data = parseJsonObject(event.data);
    switch (data?.type) {
      case 'error':
        this.error = inStreamError(data.error, ANTHROPIC_ERRORS);
        break;
      case 'message_stop':
        this.done = true;
        break;
      case 'message_start':
        this.start(asRecord(data.message));
        break;
      case 'content_block_start':
        if (this.message && isRecord(data.content_block)) this.blockStart(data.index, data.content_block);
        break;
      case 'content_block_delta':
        this.blockDelta(this.blocks.get(data.index), asRecord(data.delta));
        break;
      case 'content_block_stop':
        closeTool(this.blocks.get(data.index));
        break;
      case 'message_delta':
        if (this.message) this.messageDelta(this.message, asRecord(data.delta), data.usage);
        break;
    }
  }

  /** The whole message; throws the upstream's in-stream error, or 502 for a stream that never started a message. */
  finish(): AnthropicMessage {
    if (this.error) throw new ProxyError(this.error.status, this.error.message);
    if (!this.message) throw new ProxyError(502, 'upstream stream ended without message_start');
    const content = [...this.blocks.values()];
    content.forEach(closeTool);
    return { ...this.message, content };
  }

  private start(m: Record<string, unknown>): void {
    // unknown envelope fields (container, service_tier…) are the upstream's to keep
    const usage = { ...asRecord(m.usage), input_tokens: 0, output_tokens: 0 };
    mergeAnthropicUsage(usage, m.usage);
    this.message = { ...m, id: asString(m.id), type: 'message', role: 'assistant', model: asString(m.model), content: [], stop_reason: null, stop_sequence: null, usage };
  }

  private blockStart(index: unknown, block: Record<string, unknown>): void {
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { type: 'text', text: asString(block.text) });
        break;
      case 'thinking':
        this.blocks.set(index, { type: 'thinking', thinking: asString(block.thinking), signature: asString(block.signature) });
        break;
      case 'redacted_thinking':
        this.blocks.set(index, { type: 'redacted_thinking', data: asString(block.data) });
        break;
      case 'tool_use':
        this.blocks.set(index, { type: 'tool_use', id: asString(block.id), name: asString(block.name), input: asRecord(block.input), json: '' });
        break;
    }
  }

  private blockDelta(block: Draft | undefined, delta: Record<string, unknown>): void {
    if (delta.type === 'text_delta' && block?.type === 'text') block.text += asString(delta.text);
    else if (delta.type === 'thinking_delta' && block?.type === 'thinking') block.thinking += asString(delta.thinking);
    else if (delta.type === 'signature_delta' && block?.type === 'thinking') block.signature = asString(delta.signature);
    else if (delta.type === 'input_json_delta' && block?.type === 'tool_use') block.json = (block.json ?? '') + asString(delta.partial_json);
  }

  private messageDelta(message: AnthropicMessage, delta: Record<string, unknown>, usage: unknown): void {
    message.stop_reason = asString(delta.stop_reason) || message.stop_reason;
    message.stop_sequence = asString(delta.stop_sequence) || message.stop_sequence;
    if (message.usage) mergeAnthropicUsage(message.usage, usage);
  }
}

/** A tool block's input JSON → its input (no deltas: the start's input stays). */
function closeTool(draft: Draft | undefined): void {
  if (draft?.type !== 'tool_use' || draft.json === undefined) return;
  if (draft.json.trim()) draft.input = parseToolArguments(draft.json) ?? {};
  delete draft.json;
}
