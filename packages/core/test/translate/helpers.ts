import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { expect } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import type { SseEvent } from '../../src/protocols/sse.js';
import type { StreamTranslator, TranslateContext } from '../../src/translate/types.js';
import { bridgeFor } from '../../src/translate/registry.js';
import { AnthropicMessageSchema } from '../../src/protocols/anthropic/types.js';
import { OpenAIChatCompletionSchema } from '../../src/protocols/openai/types.js';
import { parseUpstream } from '../../src/protocols/validate.js';
import { openaiRequestToAnthropic } from '../../src/translate/openai-anthropic/request.js';
import { anthropicResponseToOpenai } from '../../src/translate/openai-anthropic/response.js';
import { AnthropicToOpenAIStream } from '../../src/translate/openai-anthropic/stream.js';
import { anthropicTextAnswerToOpenai } from '../../src/translate/openai-anthropic/hot.js';
import { openaiTextAnswerToAnthropic } from '../../src/translate/anthropic-openai/hot.js';
import { anthropicRequestToOpenai } from '../../src/translate/anthropic-openai/request.js';
import { openaiResponseToAnthropic } from '../../src/translate/anthropic-openai/response.js';
import { OpenAIToAnthropicStream } from '../../src/translate/anthropic-openai/stream.js';

export function makeContext(overrides: Partial<TranslateContext> = {}): TranslateContext {
  return {
    model: 'client-model',
    includeUsage: false,
    estimatedInputTokens: 42,
    toolNames: new Map(),
    toolIds: new Map(),
    defaultMaxTokens: 4096,
    ...overrides,
  };
}

export const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** SSE text → events, the way the pipeline's eventsource-parser hands them over. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
  parser.feed(text);
  return events;
}

/** Pushes every upstream event, then finish() as the pipeline does at EOF. */
export function runStream(translator: StreamTranslator, upstream: string): string {
  let out = '';
  for (const event of parseSse(upstream)) out += translator.push(event);
  return out + translator.finish();
}

/** Generated message ids and timestamps → fixed values, so goldens compare exactly (fixtures always carry tool ids). */
export const normalize = (out: string) =>
  out
    .replace(/msg_[A-Za-z0-9_-]{24}"/g, 'msg_ID"')
    .replace(/chatcmpl-[A-Za-z0-9_-]{24}"/g, 'chatcmpl-ID"')
    .replace(/"created":\d+/g, '"created":0');

interface Frame {
  event: string | undefined;
  data: any;
}

function frames(out: string): Frame[] {
  return parseSse(out).map((e) => ({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data) }));
}

const DELTA_FOR_BLOCK: Record<string, string[]> = {
  text: ['text_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
  tool_use: ['input_json_delta'],
};

/**
 * What the Anthropic SDK enforces, and more: an `event:` line naming the data's
 * type on every frame; message_start first; blocks strictly sequential
 * (0,1,2…), one open at a time, deltas of the block's kind; message_delta
 * with numeric usage.output_tokens after every block closed; message_stop
 * last — or an error frame ending the stream. Returns the frames.
 */
export function expectValidAnthropicStream(out: string): Frame[] {
  const all = frames(out);
  expect(all.length).toBeGreaterThan(0);
  for (const f of all) expect(f.event, `frame without matching event line: ${JSON.stringify(f.data)}`).toBe(f.data.type);
  const list = all.filter((f) => f.event !== 'ping');
  const last = list.at(-1)!;
  if (last.event === 'error') {
    expect(last.data.error.type).toEqual(expect.any(String));
    expect(last.data.error.message).toEqual(expect.any(String));
    list.pop();
    if (list.length === 0) return all;
  }
  expect(list[0]!.event).toBe('message_start');
  const start = list[0]!.data.message;
  expect(start).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null });
  expect(start.id).toMatch(/^msg_/);
  expect(start.usage.input_tokens).toEqual(expect.any(Number));
  let next = 0;
  let open: { index: number; type: string } | null = null;
  let ended = false;
  for (const f of list.slice(1)) {
    expect(ended, 'nothing may follow message_stop').toBe(false);
    switch (f.event) {
      case 'content_block_start':
        expect(open, 'a block started while another is open').toBeNull();
        expect(f.data.index).toBe(next++);
        open = { index: f.data.index, type: f.data.content_block.type };
        if (open.type === 'thinking') expect(f.data.content_block.signature).toEqual(expect.any(String));
        if (open.type === 'tool_use') {
          expect(f.data.content_block.id).toMatch(/^[a-zA-Z0-9_-]+$/);
          expect(f.data.content_block.name).toEqual(expect.any(String));
          expect(f.data.content_block.input).toEqual({});
        }
        break;
      case 'content_block_delta':
        expect(open?.index).toBe(f.data.index);
        expect(DELTA_FOR_BLOCK[open!.type]).toContain(f.data.delta.type);
        break;
      case 'content_block_stop':
        expect(open?.index).toBe(f.data.index);
        open = null;
        break;
      case 'message_delta':
        expect(open, 'message_delta with a block still open').toBeNull();
        expect(f.data.delta.stop_reason).toEqual(expect.any(String));
        expect(f.data.delta.stop_sequence).toBeNull();
        expect(f.data.usage.output_tokens).toEqual(expect.any(Number));
        break;
      case 'message_stop':
        expect(list.at(-2)!.event).toBe('message_delta');
        ended = true;
        break;
      default:
        throw new Error(`unexpected event ${f.event}`);
    }
  }
  if (last.event !== 'error') expect(ended, 'stream must end with message_stop').toBe(true);
  return all;
}

/**
 * What openai-node's finalChatCompletion() and the Vercel AI SDK check, and
 * more: data-only frames; every chunk with id/object/created/model and
 * choices[].index; role on the first; each tool call's first fragment with
 * id, type and function.name; exactly one finish_reason, on the last choice
 * chunk; with include_usage `usage:null` on every chunk and a final
 * `choices:[]` usage chunk; `[DONE]` last — or an error object ending it.
 */
export function expectValidOpenAIStream(out: string, includeUsage: boolean): Frame[] {
  const all = frames(out);
  for (const f of all) expect(f.event).toBeUndefined();
  if (all.at(-1)?.data.error) {
    expect(all.at(-1)!.data.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    return all;
  }
  expect(all.at(-1)!.data).toBe('[DONE]');
  const chunks = all.slice(0, -1).map((f) => f.data);
  let usageChunk: any = null;
  if (includeUsage) {
    usageChunk = chunks.pop();
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  }
  expect(chunks.length).toBeGreaterThan(0);
  const id = chunks[0].id;
  const seen = new Set<number>();
  const args = new Map<number, string>();
  chunks.forEach((c, i) => {
    expect(c).toMatchObject({ id, object: 'chat.completion.chunk', created: expect.any(Number), model: expect.any(String) });
    if (includeUsage) expect(c.usage).toBeNull();
    else expect('usage' in c).toBe(false);
    expect(c.choices).toHaveLength(1);
    const [choice] = c.choices;
    expect(choice.index).toBe(0);
    expect(choice.logprobs).toBeNull();
    if (i === 0) expect(choice.delta.role).toBe('assistant');
    if (i < chunks.length - 1) expect(choice.finish_reason).toBeNull();
    else expect(choice.finish_reason).toEqual(expect.any(String));
    for (const call of choice.delta.tool_calls ?? []) {
      expect(call.index).toEqual(expect.any(Number));
      if (!seen.has(call.index)) {
        seen.add(call.index);
        expect(call.id).toEqual(expect.any(String));
        expect(call.id.length).toBeLessThanOrEqual(40);
        expect(call.type).toBe('function');
        expect(call.function.name).toEqual(expect.any(String));
      }
      expect(call.function.arguments).toEqual(expect.any(String));
      args.set(call.index, (args.get(call.index) ?? '') + call.function.arguments);
    }
  });
  // tool indices count up from 0 and every call's arguments are whole JSON
  expect([...seen]).toEqual([...seen].map((_, i) => i));
  for (const a of args.values()) expect(() => JSON.parse(a)).not.toThrow();
  return all;
}

export const user = (content: unknown) => ({ role: 'user', content });

/** Runs fn and returns the ProxyError(400) it must throw. */
export function badRequest(fn: () => unknown): ProxyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProxyError);
    expect((e as ProxyError).status).toBe(400);
    return e as ProxyError;
  }
  throw new Error('expected a 400');
}

// ---------------------------------------------------------------- the pairs, as the tests drive them

type Pair = 'openai' | 'anthropic';
const other = (p: Pair): Pair => (p === 'openai' ? 'anthropic' : 'openai');

/** The context a translating bridge of `client` makes for an attempt to `model`. */
export function createContext(client: Pair, body: Record<string, unknown>, model: string, defaultMaxTokens = 4096, reasoning?: boolean): TranslateContext {
  return bridgeFor(client, other(client)).context(body, { model, defaultMaxTokens, reasoning }) as TranslateContext;
}

/**
 * A translating pair's three parts, called directly: the request translation (without the model and
 * stream the bridge sets), the whole-answer translation of a parsed upstream answer (its schema checked
 * first, as the bridge does), and the stream translator.
 */
export function bridge(client: Pair, upstream: Pair) {
  if (client === upstream) throw new Error('a protocol and itself: the identity bridge, nothing to translate');
  return client === 'openai'
    ? {
        request: (body: Record<string, unknown>, ctx: TranslateContext) => openaiRequestToAnthropic(body as never, ctx) as unknown as Record<string, unknown>,
        response: (answer: unknown, ctx: TranslateContext) => anthropicResponseToOpenai(parseUpstream(AnthropicMessageSchema, answer), ctx),
        plainAnswer: anthropicTextAnswerToOpenai,
        stream: (ctx: TranslateContext) => new AnthropicToOpenAIStream(ctx),
      }
    : {
        request: (body: Record<string, unknown>, ctx: TranslateContext) => anthropicRequestToOpenai(body as never, ctx) as unknown as Record<string, unknown>,
        response: (answer: unknown, ctx: TranslateContext) => openaiResponseToAnthropic(parseUpstream(OpenAIChatCompletionSchema, answer), ctx),
        plainAnswer: openaiTextAnswerToAnthropic,
        stream: (ctx: TranslateContext) => new OpenAIToAnthropicStream(ctx),
      };
}
