/** A Chat Completions stream, for a Responses client. */
import type { OpenAIUsage } from '../../protocols/openai/types.js';
import { type IncompleteReason, messageItemJson, type OutputItem, reasoningItem, ResponseEnvelope, ResponsesEvents } from '../../protocols/responses/writer.js';
import { itemId, openaiToolId } from '../ids.js';
import { asString, isRecord } from '../json.js';
import { OpenAIChunkReader } from '../openai-chunks.js';
import { type ToolCallDraft, ToolCallDrafts } from '../openai-tool-calls.js';
import { parseToolArguments } from '../tools.js';
import type { ResponsesContext } from './context.js';
import { callItem, chatUsageToResponses, incompleteReason } from './response.js';

interface Call extends ToolCallDraft {
  state: 'pending' | 'open' | 'closed';
}

/** The item being written: one at a time, as the Responses API writes them. */
type Open =
  | { kind: 'text'; index: number; id: string; ref: string; parts: string[] }
  | { kind: 'reasoning'; index: number; id: string; ref: string; text: string }
  | { kind: 'tool'; index: number; id: string; ref: string; call: Call; callId: string; custom: boolean };

/** JSON string literals (each as JSON.stringify writes one) → the literal of their concatenation, without a parse. */
const joinLiterals = (parts: string[]) => (parts.length === 1 ? parts[0]! : `"${parts.map((p) => p.slice(1, -1)).join('')}"`);

/**
 * Chat Completions chunks → Responses events. Text, reasoning and each tool
 * call become output items, written one after another; a tool call whose
 * fragments interleave with another's waits until that one's arguments are
 * whole (then it is written whole). A custom tool's input arrives as JSON
 * argument fragments: it is sent decoded, in one delta, when the call ends.
 * The response ends once finish_reason and the usage (always asked for) are in.
 */
export class OpenAIToResponsesStream extends OpenAIChunkReader {
  private readonly w: ResponsesEvents;
  private started = false;
  private open: Open | null = null;
  private readonly calls = new ToolCallDrafts<Call>((index) => ({ index, id: null, name: '', args: '', state: 'pending' }));
  private signature = '';
  /** set once the upstream said finish_reason: content is closed */
  private stop: { incomplete: IncompleteReason | null } | null = null;
  private usage: OpenAIUsage | null = null;

  constructor(private readonly ctx: ResponsesContext) {
    super();
    this.w = new ResponsesEvents(new ResponseEnvelope(ctx.body, ctx.model));
  }

  protected closed(): boolean {
    return this.stop !== null;
  }

  protected hasUsage(): boolean {
    return this.usage !== null;
  }

  protected onUsage(usage: OpenAIUsage): void {
    this.usage = usage;
  }

  /** At [DONE] or EOF: whatever is open is closed and the response ends (a stream cut before finish_reason as completed). */
  finish(): string {
    if (this.ended) return '';
    let out = this.start();
    if (!this.stop) out += this.closeContent(null);
    return out + this.end();
  }

  fail(status: number, message: string): string {
    if (this.ended) return '';
    const out = this.start();
    this.ended = true;
    return out + this.w.fail(status, message);
  }

  protected start(): string {
    if (this.started) return '';
    this.started = true;
    return this.w.start();
  }

  protected delta(delta: Record<string, unknown>): string {
    let out = '';
    const reasoning = asString(delta.reasoning_content) || asString(delta.reasoning);
    if (reasoning) out += this.reasoning(reasoning);
    const signature = delta.reasoning_signature;
    if (typeof signature === 'string') this.signature += signature;
    const content = asString(delta.content) || asString(delta.refusal);
    if (content) out += this.text(JSON.stringify(content));
    const fragments = delta.tool_calls;
    if (Array.isArray(fragments)) for (const f of fragments) if (isRecord(f)) out += this.toolFragment(f);
    return out;
  }

  /** `json`: the text's JSON string literal */
  protected text(json: string): string {
    let out = '';
    let open = this.open;
    if (open?.kind !== 'text') {
      out += this.closeOpen();
      const id = itemId('msg');
      const { index, frame } = this.w.added({ id, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
      open = this.open = { kind: 'text', index, id, ref: ResponsesEvents.ref(id, index), parts: [] };
      out += frame + this.w.partAdded(id, index);
    }
    open.parts.push(json);
    return out + this.w.textDelta(open.ref, json);
  }

  private reasoning(text: string): string {
    let out = '';
    let open = this.open;
    if (open?.kind !== 'reasoning') {
      out += this.closeOpen();
      const id = itemId('rs');
      const { index, frame } = this.w.added({ id, type: 'reasoning', summary: [] });
      open = this.open = { kind: 'reasoning', index, id, ref: ResponsesEvents.ref(id, index), text: '' };
      out += frame + this.w.summaryPartAdded(id, index);
    }
    open.text += text;
    return out + this.w.summaryDelta(open.ref, JSON.stringify(text));
  }

  private toolFragment(fragment: Record<string, unknown>): string {
    const { call, args } = this.calls.add(fragment);
    const open = this.open;
    if (call.state === 'open') return open?.kind === 'tool' && !open.custom && args ? this.w.argumentsDelta(open.ref, args) : '';
    // an item never reopens: fragments of a call already written are dropped
    if (call.state === 'closed' || call.name === '') return '';
    if (open?.kind === 'tool' && !argumentsComplete(open.call)) return '';
    return this.openTool(call);
  }

  private openTool(call: Call): string {
    let out = this.closeOpen();
    const custom = this.ctx.custom.has(call.name);
    const id = itemId(custom ? 'ctc' : 'fc');
    const callId = call.id ?? openaiToolId();
    const item: OutputItem = custom
      ? { id, type: 'custom_tool_call', status: 'in_progress', call_id: callId, name: call.name, input: '' }
      : { id, type: 'function_call', status: 'in_progress', call_id: callId, name: call.name, arguments: '' };
    const { index, frame } = this.w.added(item);
    call.state = 'open';
    this.open = { kind: 'tool', index, id, ref: ResponsesEvents.ref(id, index), call, callId, custom };
    out += frame;
    if (call.args && !custom) out += this.w.argumentsDelta(this.open.ref, call.args);
    return out;
  }

  private closeOpen(): string {
    const open = this.open;
    if (!open) return '';
    this.open = null;
    switch (open.kind) {
      case 'text': {
        const json = joinLiterals(open.parts);
        return this.w.textDone(open.id, open.index, json) + this.w.doneJson(open.index, messageItemJson(open.id, json));
      }
      case 'reasoning': {
        const item = reasoningItem(open.text, this.ctx.encrypted ? this.signature : null, open.id);
        this.signature = '';
        return this.w.summaryDone(open.id, open.index, JSON.stringify(open.text)) + this.w.done(open.index, item);
      }
      case 'tool': {
        open.call.state = 'closed';
        const item = callItem(this.ctx, open.callId, open.call.name, open.call.args, open.id);
        const body = item.type === 'custom_tool_call' ? this.w.customInput(open.id, open.index, item.input) : this.w.argumentsDone(open.id, open.index, item.type === 'function_call' ? item.arguments : '');
        return body + this.w.done(open.index, item);
      }
    }
  }

  /** finish_reason: content ends here; the response once the usage is in too. */
  protected finishReason(finish: string): string {
    const out = this.closeContent(incompleteReason(finish));
    return this.usage ? out + this.end() : out;
  }

  /** Closes the open item, writes the calls still waiting whole, and records how the answer ended. */
  private closeContent(incomplete: IncompleteReason | null): string {
    let out = this.closeOpen();
    for (const call of this.calls.all()) if (call.state === 'pending' && call.name) out += this.openTool(call) + this.closeOpen();
    this.stop = { incomplete };
    return out;
  }

  protected end(): string {
    this.ended = true;
    return this.w.end(chatUsageToResponses(this.usage, this.ctx.estimatedInputTokens), this.stop?.incomplete ?? null);
  }
}

/** Whether a call's arguments so far are a whole JSON object. */
const argumentsComplete = (call: Call) => call.args.trim() !== '' && parseToolArguments(call.args) !== null;

