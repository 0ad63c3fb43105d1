/** An Anthropic upstream's stream, for an OpenAI client. */
import { OPENAI_TOOL_IDS, OPENAI_CLIENT } from '../../protocols/openai/spec.js';
import { SSE_DONE, type SseEvent } from '../../protocols/sse.js';
import { chatCompletionId, nowSeconds } from '../ids.js';
import { asRecord, asString, isRecord, parseJsonObject } from '../json.js';
import {
  type AnthropicUsageLike,
  anthropicUsageToOpenai,
  type OpenAIFinishReason,
  inStreamError,
  mergeAnthropicUsage,
  stopReasonToFinish,
} from '../mappings.js';
import { originalToolName, toolIdFor } from '../tools.js';
import { ANTHROPIC_UPSTREAM } from '../../protocols/anthropic/spec.js';
import type { StreamTranslator, TranslateContext } from '../types.js';
import type { OpenAIChunkDelta } from '../../protocols/openai/types.js';
import { ANTHROPIC_MESSAGE_STOP, anthropicBlockStop, anthropicTextBlockStart, anthropicTextDelta } from './hot.js';
import { EMPTY_TEXT } from '../hot-patterns.js';
import { type ChunkDeltaField, CONTENT, OpenAIChunkFrames, REASONING_CONTENT, REASONING_SIGNATURE } from './frames.js';

const EMPTY_TEXT_BLOCK: Record<string, unknown> = Object.freeze({ type: 'text', text: '' });

type BlockState = { kind: 'text' | 'thinking' | 'other' } | { kind: 'tool'; call: number; input: Record<string, unknown>; sentArgs: boolean };

/**
 * Anthropic events → OpenAI chunks. Tool calls are numbered in the order
 * their blocks start (not by Anthropic block index); usage accumulates from
 * message_start and message_delta and, if the client asked, goes out in a
 * final `choices: []` chunk before `[DONE]`.
 */
export class AnthropicToOpenAIStream implements StreamTranslator {
  private readonly frames: OpenAIChunkFrames;
  private started = false;
  private finished = false;
  private ended = false;
  /** by the upstream's block index, whatever value it sent */
  private readonly blocks = new Map<unknown, BlockState>();
  private toolCalls = 0;
  private readonly usage: AnthropicUsageLike = {};

  constructor(private readonly ctx: TranslateContext) {
    this.frames = new OpenAIChunkFrames(chatCompletionId(), nowSeconds(), ctx.model, ctx.includeUsage);
  }

  push(event: SseEvent): string {
    if (this.ended) return '';
    const text = anthropicTextDelta(event.data);
    // the common event, read without a full parse: what content_block_delta below does with it
    if (text !== null) return this.finished || text === EMPTY_TEXT ? '' : this.start() + this.frames.field(CONTENT, text);
    // the other fixed-shape events, also without a parse
    const data = event.data;
    if (data === ANTHROPIC_MESSAGE_STOP) return this.finish();
    const started = anthropicTextBlockStart(data);
    if (started >= 0) return this.finished ? '' : this.blockStart(started, EMPTY_TEXT_BLOCK);
    const stopped = anthropicBlockStop(data);
    if (stopped >= 0) return this.finished ? '' : this.blockStop(stopped);
    // stream events are not validated: every field is read defensively
    const parsed = parseJsonObject(data);
    switch (parsed?.type) {
      case 'message_start':
        mergeAnthropicUsage(this.usage, asRecord(parsed.message).usage);
        return this.start();
      // content after message_delta (only a broken upstream sends it) would follow the finish chunk: dropped
      case 'content_block_start':
        return !this.finished && isRecord(parsed.content_block) ? this.blockStart(parsed.index, parsed.content_block) : '';
      case 'content_block_delta':
        return !this.finished && isRecord(parsed.delta) ? this.blockDelta(parsed.index, parsed.delta) : '';
      case 'content_block_stop':
        return this.finished ? '' : this.blockStop(parsed.index);
      case 'message_delta':
        return this.messageDelta(stopReasonToFinish(asString(asRecord(parsed.delta).stop_reason), this.toolCalls > 0), parsed.usage);
      case 'message_stop':
        return this.finish();
      case 'error': {
        const { status, message } = inStreamError(parsed.error, ANTHROPIC_UPSTREAM.errorTypes);
        return this.fail(status, message);
      }
      default: // ping, unknown events, junk
        return '';
    }
  }

  /** Ends the client stream: a finish chunk if the upstream never sent one, the usage chunk if asked, `[DONE]`. */
  finish(): string {
    if (this.ended) return '';
    let out = this.start();
    if (!this.finished) {
      // a stream cut before message_delta: close tool calls as content_block_stop would, end as a plain stop
      for (const index of this.blocks.keys()) out += this.blockStop(index);
      out += this.messageDelta('stop', null);
    }
    this.ended = true;
    if (this.ctx.includeUsage) out += this.frames.usage(anthropicUsageToOpenai(this.usage));
    return out + SSE_DONE;
  }

  fail(status: number, message: string): string {
    if (this.ended) return '';
    this.ended = true;
    return OPENAI_CLIENT.streamErrorFrame(status, message);
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    return this.chunk({ role: 'assistant', content: '' });
  }

  private blockStart(index: unknown, block: Record<string, unknown>): string {
    let out = this.start();
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        if (asString(block.text)) out += this.chunk({ content: asString(block.text) });
        break;
      case 'thinking':
        this.blocks.set(index, { kind: 'thinking' });
        if (asString(block.thinking)) out += this.chunk({ reasoning_content: asString(block.thinking) });
        break;
      case 'tool_use': {
        const call = this.toolCalls++;
        this.blocks.set(index, { kind: 'tool', call, input: asRecord(block.input), sentArgs: false });
        const id = toolIdFor(OPENAI_TOOL_IDS, asString(block.id) || null, this.ctx);
        const fn = { name: originalToolName(asString(block.name), this.ctx), arguments: '' };
        out += this.chunk({ tool_calls: [{ index: call, id, type: 'function', function: fn }] });
        break;
      }
      default:
        this.blocks.set(index, { kind: 'other' });
    }
    return out;
  }

  private blockDelta(index: unknown, delta: Record<string, unknown>): string {
    switch (delta.type) {
      case 'text_delta':
        return this.textDelta(CONTENT, delta.text);
      case 'thinking_delta':
        return this.textDelta(REASONING_CONTENT, delta.thinking);
      case 'signature_delta':
        return this.textDelta(REASONING_SIGNATURE, delta.signature);
      case 'input_json_delta':
        return asString(delta.partial_json) ? this.arguments(index, asString(delta.partial_json)) : '';
      default:
        return '';
    }
  }

  /** One string field of an OpenAI delta; nothing when the upstream's value is empty or not a string. */
  private textDelta(field: ChunkDeltaField, value: unknown): string {
    const text = asString(value);
    return text ? this.start() + this.frames.field(field, JSON.stringify(text)) : '';
  }

  private arguments(index: unknown, fragment: string): string {
    const block = this.blocks.get(index);
    if (block?.kind !== 'tool') return '';
    block.sentArgs = true;
    return this.frames.toolArguments(block.call, fragment);
  }

  /** A tool block that closes without input deltas still needs arguments a client can parse. */
  private blockStop(index: unknown): string {
    const block = this.blocks.get(index);
    if (block?.kind !== 'tool' || block.sentArgs) return '';
    return this.arguments(index, JSON.stringify(block.input));
  }

  private messageDelta(finishReason: OpenAIFinishReason, usage: unknown): string {
    mergeAnthropicUsage(this.usage, usage);
    if (this.finished) return '';
    this.finished = true;
    return this.start() + this.chunk({}, finishReason);
  }

  /** The rare chunks (role, tool call start, finish); the per-token ones go through `frames` directly. */
  private chunk(delta: OpenAIChunkDelta, finishReason: string | null = null): string {
    return this.frames.chunk(delta, finishReason);
  }
}
