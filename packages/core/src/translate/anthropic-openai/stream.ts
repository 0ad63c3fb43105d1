/** An OpenAI upstream's stream, for an Anthropic client. */
import { ANTHROPIC_TOOL_IDS, ANTHROPIC_CLIENT } from '../../protocols/anthropic/spec.js';
import { sseEvent } from '../../protocols/sse.js';
import { messageId } from '../ids.js';
import { asString, isRecord } from '../json.js';
import { OpenAIChunkReader } from '../openai-chunks.js';
import { deltaUsage, finishToStopReason, openaiUsageToAnthropic } from '../mappings.js';
import { type ToolCallDraft, ToolCallDrafts } from '../openai-tool-calls.js';
import { originalToolName, parseToolArguments, toolIdFor } from '../tools.js';
import type { TranslateContext } from '../types.js';
import type { OpenAIUsage } from '../../protocols/openai/types.js';
import type { AnthropicStopReason, AnthropicUsage } from '../../protocols/anthropic/types.js';
import {
  type BlockDeltaKind,
  blockDeltaFrame,
  blockStopFrame,
  INPUT_JSON_DELTA,
  MESSAGE_STOP_FRAME,
  messageDeltaFrame,
  messageStartFrame,
  SIGNATURE_DELTA,
  TEXT_DELTA,
  textBlockStartFrame,
  THINKING_DELTA,
  thinkingBlockStartFrame,
} from './frames.js';

/** A tool call's Anthropic block: buffered (pending) until it may open, streamed while open, never reopened once closed. */
interface StreamedCall extends ToolCallDraft {
  state: 'pending' | 'open' | 'closed';
  /** `args` length when completeness was last checked, and the result */
  checkedLength: number;
  complete: boolean;
}

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; call: StreamedCall };

/**
 * Anthropic clients need strictly sequential blocks, one open at a time,
 * while OpenAI streams text, reasoning and several tool calls by index.
 * A tool call opens its block when nothing else is mid-call; if another
 * call's arguments are still incomplete JSON (fragments interleave), it is
 * buffered and emitted whole later. `message_delta` waits for the usage
 * chunk that follows `finish_reason`.
 */
export class OpenAIToAnthropicStream extends OpenAIChunkReader {
  private readonly id = messageId();
  private started = false;
  private open: OpenBlock | null = null;
  private nextIndex = 0;
  private readonly calls = new ToolCallDrafts<StreamedCall>((index) => ({
    index,
    id: null,
    name: '',
    args: '',
    state: 'pending',
    checkedLength: -1,
    complete: false,
  }));
  private signature = '';
  private refused = false;
  /** set once the upstream said finish_reason (or the stream ended): content is closed */
  private stopReason: AnthropicStopReason | null = null;
  private usage: AnthropicUsage | null = null;

  constructor(private readonly ctx: TranslateContext) {
    super();
  }

  protected closed(): boolean {
    return this.stopReason !== null;
  }

  protected hasUsage(): boolean {
    return this.usage !== null;
  }

  protected onUsage(usage: OpenAIUsage): void {
    this.usage = openaiUsageToAnthropic(usage);
  }

  protected text(json: string): string {
    return this.blockDelta('text', TEXT_DELTA, json);
  }

  /** The upstream's finish_reason closes the content; the message ends once usage is known too. */
  protected finishReason(finish: string): string {
    const out = this.closeContent(this.refused ? 'refusal' : finishToStopReason(finish, this.calls.size > 0));
    return this.usage ? out + this.end() : out;
  }

  /** At EOF: whatever is still open is closed and the message ended; a stream cut before finish_reason ends as end_turn. */
  finish(): string {
    if (this.ended) return '';
    let out = this.start();
    if (!this.stopReason) out += this.closeContent('end_turn');
    return out + this.end();
  }

  fail(status: number, message: string): string {
    if (this.ended) return '';
    this.ended = true;
    return ANTHROPIC_CLIENT.streamErrorFrame(status, message);
  }

  protected start(): string {
    if (this.started) return '';
    this.started = true;
    // the real usage arrives with message_delta; clients (Claude Code's context meter) read this estimate first
    return messageStartFrame(this.id, this.ctx.model, this.ctx.estimatedInputTokens);
  }

  /** One chunk's delta, unvalidated: fields of the wrong type count as absent. */
  protected delta(delta: Record<string, unknown>): string {
    let out = '';
    const reasoning = asString(delta.reasoning_content) || asString(delta.reasoning);
    if (reasoning) out += this.blockDelta('thinking', THINKING_DELTA, JSON.stringify(reasoning));
    const signature = delta.reasoning_signature;
    if (typeof signature === 'string') this.signature += signature;
    const content = asString(delta.content);
    if (content) out += this.blockDelta('text', TEXT_DELTA, JSON.stringify(content));
    const refusal = asString(delta.refusal);
    if (refusal) {
      this.refused = true;
      out += this.blockDelta('text', TEXT_DELTA, JSON.stringify(refusal));
    }
    // no asArray here: its [] for the common chunk without tool_calls was an allocation per token
    const fragments = delta.tool_calls;
    if (Array.isArray(fragments)) for (const fragment of fragments) if (isRecord(fragment)) out += this.toolFragment(fragment);
    return out;
  }

  /** `json`: the value as a JSON string literal */
  private blockDelta(kind: 'text' | 'thinking', deltaKind: BlockDeltaKind, json: string): string {
    let out = '';
    if (this.open?.kind !== kind) {
      out += this.closeOpen();
      const index = this.nextIndex++;
      this.open = { kind, index };
      out += kind === 'text' ? textBlockStartFrame(index) : thinkingBlockStartFrame(index);
    }
    return out + this.frameDelta(deltaKind, json);
  }

  private toolFragment(fragment: Record<string, unknown>): string {
    const { call, args } = this.calls.add(fragment);
    if (call.state === 'open') return args ? this.frameDelta(INPUT_JSON_DELTA, JSON.stringify(args)) : '';
    // a block never reopens: a call closes once its arguments are whole JSON (or text cut in), so late fragments are dropped
    if (call.state === 'closed' || !this.canOpen(call)) return '';
    return this.openTool(call);
  }

  /** A call opens once it has a name and no other call is mid-arguments. */
  private canOpen(call: StreamedCall): boolean {
    return call.name !== '' && (this.open?.kind !== 'tool' || argumentsComplete(this.open.call));
  }

  /** Opens the call's block and re-emits what it has buffered, including the fragment that triggered the switch. */
  private openTool(call: StreamedCall): string {
    let out = this.closeOpen();
    const index = this.nextIndex++;
    call.state = 'open';
    this.open = { kind: 'tool', index, call };
    const block = { type: 'tool_use', id: toolIdFor(ANTHROPIC_TOOL_IDS, call.id, this.ctx), name: originalToolName(call.name, this.ctx), input: {} };
    out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
    if (call.args) out += this.frameDelta(INPUT_JSON_DELTA, JSON.stringify(call.args));
    return out;
  }

  private closeOpen(): string {
    const open = this.open;
    if (!open) return '';
    let out = '';
    if (open.kind === 'thinking') {
      // Anthropic ends every thinking block with its signature; an OpenAI upstream has none to give unless it is this proxy
      out += this.frameDelta(SIGNATURE_DELTA, JSON.stringify(this.signature));
      this.signature = '';
    }
    if (open.kind === 'tool') open.call.state = 'closed';
    this.open = null;
    return out + blockStopFrame(open.index);
  }

  /** Closes the open block, emits buffered calls as whole blocks, and records why the content ended. */
  private closeContent(stop: AnthropicStopReason): string {
    let out = this.closeOpen();
    for (const call of this.calls.all()) if (call.state === 'pending') out += this.openTool(call) + this.closeOpen();
    this.stopReason = stop;
    return out;
  }

  protected end(): string {
    this.ended = true;
    return messageDeltaFrame(this.stopReason, deltaUsage(this.usage)) + MESSAGE_STOP_FRAME;
  }

  /** The per-token frame: a precomputed template, not sseEvent (see sse-templates.ts); `json` is the value's JSON literal. */
  private frameDelta(kind: BlockDeltaKind, json: string): string {
    return blockDeltaFrame(this.open?.index ?? 0, kind, json);
  }
}

/** Whether a call's arguments so far are a whole JSON value (cached per length: arguments can be large). */
function argumentsComplete(call: StreamedCall): boolean {
  if (call.checkedLength !== call.args.length) {
    call.checkedLength = call.args.length;
    call.complete = parseToolArguments(call.args) !== null && call.args.trim() !== '';
  }
  return call.complete;
}
