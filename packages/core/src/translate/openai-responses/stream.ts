/** An OpenAI Responses stream, for a Chat Completions client. */
import { OPENAI_CLIENT, OPENAI_TOOL_IDS } from '../../protocols/openai/spec.js';
import { eventType } from '../../protocols/responses/aggregate.js';
import { RESPONSES_UPSTREAM } from '../../protocols/responses/spec.js';
import { SSE_DONE, type SseEvent } from '../../protocols/sse.js';
import { CONTENT, OpenAIChunkFrames, REASONING_CONTENT } from '../openai-anthropic/frames.js';
import { chatCompletionId, nowSeconds } from '../ids.js';
import { asRecord, asString, parseJsonObject } from '../json.js';
import { inStreamError } from '../mappings.js';
import { toolIdFor } from '../tools.js';
import type { StreamTranslator, TranslateContext } from '../types.js';
import { finishOf, responsesUsageToChat } from './response.js';

/**
 * Responses events → Chat Completions chunks: text and reasoning deltas as
 * they come, each function_call item a tool call (numbered in the order
 * items start), the end event the finish chunk and the usage (if asked).
 */
export class ResponsesToOpenAIStream implements StreamTranslator {
  private readonly frames: OpenAIChunkFrames;
  private started = false;
  private ended = false;
  /** function_call items by item id: their tool call index, and whether arguments went out */
  private readonly calls = new Map<string, { call: number; sent: boolean }>();

  constructor(private readonly ctx: TranslateContext) {
    this.frames = new OpenAIChunkFrames(chatCompletionId(), nowSeconds(), ctx.model, ctx.includeUsage);
  }

  push(event: SseEvent): string {
    if (this.ended) return '';
    const type = eventType(event);
    const data = parseJsonObject(event.data);
    if (!data) return '';
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return this.field(CONTENT, data.delta);
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return this.field(REASONING_CONTENT, data.delta);
      case 'response.output_item.added':
        return this.itemAdded(asRecord(data.item));
      case 'response.function_call_arguments.delta': {
        const c = this.calls.get(asString(data.item_id));
        const delta = asString(data.delta);
        if (!c || !delta) return '';
        c.sent = true;
        return this.frames.toolArguments(c.call, delta);
      }
      case 'response.output_item.done': {
        // a call streamed without argument deltas still needs its arguments
        const item = asRecord(data.item);
        const c = this.calls.get(asString(item.id));
        if (!c || c.sent) return '';
        c.sent = true;
        return this.frames.toolArguments(c.call, asString(item.arguments) || '{}');
      }
      case 'response.completed':
      case 'response.incomplete': {
        const r = asRecord(data.response);
        return this.end(finishOf(r.status, asRecord(r.incomplete_details).reason, this.calls.size > 0), r.usage);
      }
      case 'response.failed':
      case 'error': {
        const e = type === 'error' ? data : asRecord(asRecord(data.response).error);
        const { status, message } = inStreamError(e, RESPONSES_UPSTREAM.errorTypes);
        return this.fail(status, message);
      }
      default:
        return type === 'response.created' ? this.start() : '';
    }
  }

  /** At EOF without an end event: the answer ends as it stands. */
  finish(): string {
    return this.ended ? '' : this.end(this.calls.size ? 'tool_calls' : 'stop', null);
  }

  fail(status: number, message: string): string {
    if (this.ended) return '';
    this.ended = true;
    return OPENAI_CLIENT.streamErrorFrame(status, message);
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    return this.frames.chunk({ role: 'assistant', content: '' }, null);
  }

  private field(field: typeof CONTENT | typeof REASONING_CONTENT, value: unknown): string {
    const text = asString(value);
    return text ? this.start() + this.frames.field(field, JSON.stringify(text)) : '';
  }

  private itemAdded(item: Record<string, unknown>): string {
    if (item.type !== 'function_call') return '';
    const call = this.calls.size;
    this.calls.set(asString(item.id), { call, sent: false });
    const id = toolIdFor(OPENAI_TOOL_IDS, asString(item.call_id) || null, this.ctx);
    return this.start() + this.frames.chunk({ tool_calls: [{ index: call, id, type: 'function', function: { name: asString(item.name), arguments: '' } }] }, null);
  }

  private end(finish: string, usage: unknown): string {
    const out = this.start() + this.frames.chunk({}, finish);
    this.ended = true;
    return out + (this.ctx.includeUsage ? this.frames.usage(responsesUsageToChat(usage)) : '') + SSE_DONE;
  }
}
