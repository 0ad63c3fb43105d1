/**
 * Anthropic-shaped in, OpenAI-shaped out: an Anthropic client's request for
 * an OpenAI upstream, and an Anthropic upstream's answer for an OpenAI client
 * (whole response and stream).
 *
 * Thinking travels to OpenAI clients as `reasoning_content` (the de-facto
 * field of DeepSeek, vLLM and others) plus this proxy's `reasoning_signature`
 * carrying Anthropic's signature, in responses and stream deltas alike. A
 * client that sends both back on the assistant message gets its thinking
 * block restored (see openai-to-anthropic.ts); thinking in an Anthropic
 * client's history is dropped for OpenAI upstreams, which could neither
 * verify nor use the signature.
 */
import { badRequest, errorObject } from '../errors.js';
import { ANTHROPIC_MESSAGE_STOP, anthropicBlockStop, anthropicTextBlockStart, anthropicTextDelta, EMPTY_TEXT } from './hot-frames.js';
import type {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicThinkingBlock,
  AnthropicToolResultBlock,
} from '../protocols/anthropic/types.js';
import type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIChunkDelta,
  OpenAIMessage,
  OpenAIReasoningEffort,
  OpenAIResponseMessage,
  OpenAIToolCall,
  OpenAIUserPart,
} from '../protocols/openai/types.js';
import { SSE_DONE, type SseEvent, sseData } from '../protocols/sse.js';
import { chatCompletionId, nowSeconds } from './ids.js';
import { asRecord, asString, isRecord, parseJsonObject } from './json.js';
import { type AnthropicUsageLike, anthropicUsageToOpenai, type OpenAIFinishReason, budgetToEffort, inStreamError, mergeAnthropicUsage, stopReasonToFinish, takesReasoningEffort } from './mappings.js';
import { isHttpUrl, toDataUrl } from './media.js';
import { type ChunkDeltaField, CONTENT, OpenAIChunkFrames, REASONING_CONTENT, REASONING_SIGNATURE } from './sse-templates.js';
import { originalToolName, shortToolName, toolIdFor } from './tools.js';
import type { StreamTranslator, TranslateContext } from './types.js';

// ===================== request: Anthropic client → OpenAI upstream =====================

export function anthropicRequestToOpenai(req: AnthropicRequest, ctx: TranslateContext): OpenAIChatRequest {
  const out: OpenAIChatRequest = { model: req.model, messages: convertMessages(req, ctx) };
  // reasoning models reject max_tokens; every current model accepts max_completion_tokens
  if (req.max_tokens != null) out.max_completion_tokens = req.max_tokens;
  // Anthropic clients need usage at the end of the stream: always ask for it
  if (req.stream) out.stream_options = { include_usage: true };
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  // top_k has no OpenAI counterpart
  if (req.stop_sequences?.length) out.stop = req.stop_sequences.slice(0, 4);
  Object.assign(out, convertTools(req, ctx));
  const effort = convertThinking(req);
  // only where the model takes it: a non-reasoning model refuses the field with a 400
  if (effort && takesReasoningEffort(ctx.model, ctx.reasoning)) out.reasoning_effort = effort;
  const schema = req.output_config?.format?.schema;
  if (schema) out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema } };
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  return out;
}

const joinText = (blocks: AnthropicContentBlock[], separator: string) =>
  blocks
    .filter((b): b is AnthropicTextBlock => b.type === 'text')
    .map((b) => b.text)
    .join(separator);

function convertMessages(req: AnthropicRequest, ctx: TranslateContext): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const system = typeof req.system === 'string' ? req.system : joinText(req.system ?? [], '\n');
  if (system) out.push({ role: 'system', content: system });
  req.messages.forEach((m, i) => {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      return;
    }
    const at = `messages.${i}`;
    if (m.role === 'system') out.push({ role: 'system', content: joinText(m.content, '\n') });
    else if (m.role === 'user') out.push(...userMessages(m.content, at, ctx));
    else {
      const assistant = assistantMessage(m.content, ctx);
      if (assistant) out.push(assistant);
    }
  });
  return out;
}

/**
 * One user turn: its tool_result blocks become `tool` messages first (OpenAI
 * wants them right after the assistant's calls), then the rest a user
 * message. OpenAI tool messages hold text only, so images from tool results
 * move into that user message.
 */
function userMessages(blocks: AnthropicContentBlock[], at: string, ctx: TranslateContext): OpenAIMessage[] {
  const results: OpenAIMessage[] = [];
  const parts: OpenAIUserPart[] = [];
  blocks.forEach((block, j) => {
    const param = `${at}.content.${j}`;
    switch (block.type) {
      case 'tool_result':
        results.push({ role: 'tool', tool_call_id: toolIdFor('openai', block.tool_use_id, ctx), content: toolResultText(block) });
        if (Array.isArray(block.content)) {
          block.content.forEach((b, k) => {
            if (b.type !== 'text') parts.push(mediaPart(b, `${param}.content.${k}`));
          });
        }
        break;
      case 'text':
        if (block.text) parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
      case 'document':
        parts.push(mediaPart(block, param));
        break;
      // tool_use and thinking cannot occur in a user turn
    }
  });
  if (parts.length === 0) return results;
  const textOnly = parts.every((p) => p.type === 'text');
  // plain strings are what every OpenAI-compatible server accepts
  const content = textOnly ? parts.map((p) => p.text).join('\n') : parts;
  return [...results, { role: 'user', content }];
}

/** is_error has no OpenAI counterpart; the text says what went wrong. */
function toolResultText(block: AnthropicToolResultBlock): string {
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
}

function mediaPart(block: AnthropicImageBlock | AnthropicDocumentBlock, param: string): OpenAIUserPart {
  const { source } = block;
  if (block.type === 'image') {
    if (source.type === 'base64') return { type: 'image_url', image_url: { url: toDataUrl({ mediaType: source.media_type, data: source.data }) } };
    if (source.type === 'url' && isHttpUrl(source.url)) return { type: 'image_url', image_url: { url: source.url } };
  } else {
    if (source.type === 'base64' && source.media_type === 'application/pdf') {
      const file_data = toDataUrl({ mediaType: source.media_type, data: source.data });
      // OpenAI requires a filename with inline file data
      return { type: 'file', file: { filename: block.title || 'document.pdf', file_data } };
    }
    if (source.type === 'text') return { type: 'text', text: source.data };
  }
  throw badRequest(`${param}: a ${block.type} with a ${source.type} source cannot be sent to this model`, param);
}

function assistantMessage(blocks: AnthropicContentBlock[], ctx: TranslateContext): OpenAIAssistantMessage | null {
  const calls: OpenAIToolCall[] = [];
  for (const block of blocks) if (block.type === 'tool_use') calls.push(toolCall(block.id, shortToolName(block.name, ctx), block.input, ctx));
  // text blocks of one turn are pieces of one answer (split around citations or tool calls)
  const text = joinText(blocks, '');
  if (!text && !calls.length) return null;
  return calls.length ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text };
}

const toolCall = (id: string, name: string, input: unknown, ctx: TranslateContext): OpenAIToolCall => ({
  id: toolIdFor('openai', id, ctx),
  type: 'function',
  function: { name, arguments: JSON.stringify(input ?? {}) },
});

function convertTools(req: AnthropicRequest, ctx: TranslateContext): Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  if (!req.tools?.length) return {};
  const tools = req.tools.map((tool, i) => {
    // Anthropic-defined tools (web search, bash, text editor…) have no schema an OpenAI model could use
    if (!tool.input_schema) throw badRequest(`tools.${i}: tool "${tool.name}" (${tool.type ?? 'no input_schema'}) can only be used with Anthropic models`, `tools.${i}`);
    const description = tool.description ? { description: tool.description } : {};
    return { type: 'function' as const, function: { name: shortToolName(tool.name, ctx), ...description, parameters: tool.input_schema } };
  });
  const out: Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> = { tools };
  const choice = req.tool_choice;
  if (!choice) return out;
  if (choice.type === 'tool') out.tool_choice = { type: 'function', function: { name: shortToolName(choice.name, ctx) } };
  else out.tool_choice = choice.type === 'any' ? 'required' : choice.type;
  if (choice.type !== 'none' && choice.disable_parallel_tool_use) out.parallel_tool_calls = false;
  return out;
}

const ADAPTIVE_EFFORT = { low: 'low', medium: 'medium', high: 'high', max: 'high' } as const;

/** Extended thinking → reasoning_effort: by budget, or adaptive thinking's effort (Anthropic's default is high). */
function convertThinking(req: AnthropicRequest): OpenAIReasoningEffort | undefined {
  const thinking = req.thinking;
  if (thinking?.type === 'enabled') return budgetToEffort(thinking.budget_tokens);
  if (thinking?.type === 'adaptive') return ADAPTIVE_EFFORT[req.output_config?.effort ?? 'high'];
  return undefined;
}

// ===================== response: Anthropic upstream → OpenAI client =====================

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

// ===================== stream: Anthropic upstream → OpenAI client =====================

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
        const { status, message } = inStreamError(parsed.error);
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
    return sseData(errorObject('openai', status, message));
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
        const id = toolIdFor('openai', asString(block.id) || null, this.ctx);
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
