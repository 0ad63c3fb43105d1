import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../../src/protocols/sse.js';
import { AnthropicToOpenAIStream } from '../../src/translate/openai-anthropic/stream.js';
import { OpenAIToAnthropicStream } from '../../src/translate/anthropic-openai/stream.js';
import { expectValidAnthropicStream, expectValidOpenAIStream, makeContext, parseSse } from './helpers.js';

const data = (json: unknown): SseEvent => ({ data: JSON.stringify(json) });
const oaChunk = (delta: unknown, finish_reason: string | null = null, extra: object = {}) =>
  data({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason }], ...extra });
const usageChunk = (prompt: number, completion: number) =>
  data({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
const anEvent = (type: string, json: object): SseEvent => ({ event: type, data: JSON.stringify({ type, ...json }) });

/** Payloads of the emitted frames, for compact assertions. */
const payloads = (out: string) => parseSse(out).map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data)));

function run(t: { push(e: SseEvent): string; finish(): string }, events: SseEvent[]): string {
  return events.map((e) => t.push(e)).join('') + t.finish();
}

const GARBAGE: SseEvent[] = [
  { data: '' },
  { data: 'not json' },
  { data: 'null' },
  { data: '[]' },
  { data: '"str"' },
  { data: '{}' },
  { event: 'ping', data: '{"type":"ping"}' },
  { event: 'whatever', data: '{"type":"whatever"}' },
  data({ choices: null }),
  data({ choices: [null] }),
  data({ choices: [{ delta: null }] }),
  data({ choices: [{ delta: { tool_calls: null } }] }),
  data({ choices: [{ delta: { tool_calls: [{}] } }] }),
  data({ choices: [{ delta: { tool_calls: [{ index: 3, function: null }] } }] }),
  data({ type: 'content_block_start' }),
  data({ type: 'content_block_start', index: 0, content_block: null }),
  data({ type: 'content_block_delta', index: 9, delta: { type: 'input_json_delta', partial_json: 'x' } }),
  data({ type: 'content_block_delta', index: 0 }),
  data({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta' } }),
  data({ type: 'content_block_stop' }),
  data({ type: 'message_start' }),
  data({ type: 'message_delta' }),
  data({ type: 'message_delta', delta: 'x', usage: [1] }),
  data({ choices: [{ delta: { content: 5, reasoning_content: {}, refusal: [], tool_calls: 'abc' }, finish_reason: 7 }] }),
  data({ choices: [{ delta: { tool_calls: [null, 3, { index: 'x', id: {}, function: { name: 1, arguments: {} } }] } }] }),
  data({ type: 'content_block_start', index: {}, content_block: { type: 'tool_use', id: {}, name: [], input: 'x' } }),
  data({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: { toString: 1 } } }),
  data({ usage: 'lots', choices: 'none' }),
];

describe('OpenAIToAnthropicStream', () => {
  const stream = (ctx = makeContext()) => new OpenAIToAnthropicStream(ctx);

  it('never throws on odd input and still ends validly', () => {
    const t = stream();
    let out = '';
    for (const e of GARBAGE) expect(() => (out += t.push(e))).not.toThrow();
    out += t.finish();
    expectValidAnthropicStream(out);
  });

  it('closes an empty upstream stream as a complete, empty message', () => {
    const out = stream().finish();
    expect(payloads(out).map((p) => p.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expectValidAnthropicStream(out);
  });

  it('reports the input estimate in message_start, never 0 when it can estimate', () => {
    const [start] = payloads(stream(makeContext({ estimatedInputTokens: 1234 })).push(oaChunk({ role: 'assistant', content: '' })));
    expect(start.message.usage).toEqual({ input_tokens: 1234, output_tokens: 0 });
  });

  it('returns nothing after finish() or fail()', () => {
    const t = stream();
    t.push(oaChunk({ content: 'a' }));
    expect(t.finish()).not.toBe('');
    expect(t.finish()).toBe('');
    expect(t.push(oaChunk({ content: 'b' }))).toBe('');
    expect(t.fail(500, 'x')).toBe('');
    const u = stream();
    expect(u.fail(503, 'gone')).toContain('overloaded_error');
    expect(u.push(oaChunk({ content: 'b' }))).toBe('');
    expect(u.finish()).toBe('');
  });

  it.each([
    [429, 'rate_limit_error'],
    [529, 'overloaded_error'],
    [500, 'api_error'],
    [504, 'timeout_error'],
  ])('fail(%d) emits an Anthropic %s event', (status, type) => {
    const out = stream().fail(status, 'upstream went away');
    expect(out).toBe(`event: error\ndata: {"type":"error","error":{"type":"${type}","message":"upstream went away"}}\n\n`);
  });

  it('reads an in-stream error defensively: junk message, prototype-named type, bare string', () => {
    expect(payloads(stream().push({ data: '{"error":{"message":{"toString":1},"type":"constructor"}}' }))).toEqual([
      { type: 'error', error: { type: 'api_error', message: 'upstream error' } },
    ]);
    expect(payloads(stream().push({ data: '{"error":"quota exceeded"}' }))).toEqual([{ type: 'error', error: { type: 'api_error', message: 'quota exceeded' } }]);
  });

  it('maps the type of an upstream in-stream error to the Anthropic error type', () => {
    const out = stream().push(data({ error: { message: 'slow down', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } }));
    expect(payloads(out)).toEqual([{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }]);
  });

  it('holds message_delta until usage arrives after finish_reason', () => {
    const t = stream();
    const beforeUsage = t.push(oaChunk({ content: 'hi' })) + t.push(oaChunk({}, 'stop'));
    expect(beforeUsage).not.toContain('message_delta');
    expect(beforeUsage).toContain('content_block_stop');
    const after = t.push(usageChunk(10, 3));
    expect(payloads(after)).toEqual([
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3, input_tokens: 10 } },
      { type: 'message_stop' },
    ]);
    expect(t.push({ data: '[DONE]' })).toBe('');
    expect(t.finish()).toBe('');
  });

  it('uses usage that came before finish_reason', () => {
    const t = stream();
    const out = t.push(oaChunk({ content: 'hi' }, null, { usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })) + t.push(oaChunk({}, 'length'));
    expect(payloads(out).at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 1, input_tokens: 5 } });
  });

  it('emits a known thinking signature in signature_delta', () => {
    const out = run(stream(), [oaChunk({ reasoning_content: 'hmm' }), oaChunk({ reasoning_signature: 'SIG' }), oaChunk({ content: 'ok' }), oaChunk({}, 'stop')]);
    expect(payloads(out).find((p) => p.delta?.type === 'signature_delta').delta.signature).toBe('SIG');
    expectValidAnthropicStream(out);
  });

  it('restores shortened tool names and rewrites tool ids Anthropic would reject', () => {
    const ctx = makeContext({ toolNames: new Map([['short_name', 'original_long_name']]) });
    const out = run(stream(ctx), [oaChunk({ tool_calls: [{ index: 0, id: 'functions.short_name:0', type: 'function', function: { name: 'short_name', arguments: '{}' } }] }), oaChunk({}, 'tool_calls')]);
    const start = payloads(out).find((p) => p.type === 'content_block_start');
    expect(start.content_block.name).toBe('original_long_name');
    expect(start.content_block.id).toMatch(/^toolu_[A-Za-z0-9_-]{24}$/);
  });

  it('handles a delta with content and a tool call together, text first', () => {
    const out = run(stream(), [oaChunk({ content: 'Sure.', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }, 'tool_calls')]);
    const types = payloads(out).map((p) => p.content_block?.type ?? p.delta?.type ?? p.type);
    expect(types).toEqual(['message_start', 'text', 'text_delta', 'content_block_stop', 'tool_use', 'input_json_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expectValidAnthropicStream(out);
  });

  it('separates calls from providers that omit `index` (a new id is a new call)', () => {
    const out = run(stream(), [
      oaChunk({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }),
      oaChunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":' } }] }),
      oaChunk({ tool_calls: [{ function: { arguments: '2}' } }] }),
      oaChunk({}, 'tool_calls'),
    ]);
    const blocks = payloads(out).filter((p) => p.type === 'content_block_start').map((p) => p.content_block.id);
    expect(blocks).toEqual(['call_a', 'call_b']);
    expect(payloads(out).filter((p) => p.delta?.type === 'input_json_delta').map((p) => p.delta.partial_json)).toEqual(['{"x":1}', '{"y":', '2}']);
  });

  it('separates parallel calls streamed all at index 0 with different ids (Gemini-compatible relays)', () => {
    const out = run(stream(), [
      oaChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      oaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }),
      oaChunk({ tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] }),
      // no id: continues the current call at that index; the same id again continues it too
      oaChunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"' } }] }),
      oaChunk({ tool_calls: [{ index: 0, id: 'call_b', function: { arguments: '}' } }] }),
      oaChunk({}, 'tool_calls'),
      usageChunk(3, 4),
    ]);
    expectValidAnthropicStream(out);
    const frames = payloads(out);
    const starts = frames.filter((p) => p.type === 'content_block_start');
    expect(starts.map((p) => [p.index, p.content_block.id, p.content_block.name])).toEqual([
      [0, 'call_a', 'get_weather'],
      [1, 'call_b', 'get_weather'],
    ]);
    const input = (index: number) => frames.filter((p) => p.delta?.type === 'input_json_delta' && p.index === index).map((p) => p.delta.partial_json).join('');
    expect([JSON.parse(input(0)), JSON.parse(input(1))]).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
    expect(frames.find((p) => p.type === 'message_delta').delta.stop_reason).toBe('tool_use');
  });

  it('separates whole calls sent at index 0 in one chunk', () => {
    const call = (id: string, city: string) => ({ index: 0, id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } });
    const out = run(stream(), [oaChunk({ tool_calls: [call('call_a', 'Paris'), call('call_b', 'Rome')] }, 'tool_calls')]);
    expectValidAnthropicStream(out);
    const frames = payloads(out);
    expect(frames.filter((p) => p.type === 'content_block_start').map((p) => p.content_block.id)).toEqual(['call_a', 'call_b']);
    expect(frames.filter((p) => p.delta?.type === 'input_json_delta').map((p) => [p.index, p.delta.partial_json])).toEqual([
      [0, '{"city":"Paris"}'],
      [1, '{"city":"Rome"}'],
    ]);
  });

  it('waits for a call name before opening its block', () => {
    const t = stream();
    const first = t.push(oaChunk({ tool_calls: [{ index: 0, id: 'call_1', function: { arguments: '{"a"' } }] }));
    expect(first).not.toContain('content_block_start');
    const out = first + t.push(oaChunk({ tool_calls: [{ index: 0, function: { name: 'late', arguments: ':1}' } }] })) + t.finish();
    const start = payloads(out).find((p) => p.type === 'content_block_start');
    expect(start.content_block).toMatchObject({ id: 'call_1', name: 'late' });
    expect(payloads(out).find((p) => p.delta?.type === 'input_json_delta').delta.partial_json).toBe('{"a":1}');
  });

  it('maps a refusal delta to text and stop_reason refusal', () => {
    const out = run(stream(), [oaChunk({ refusal: "I can't help." }), oaChunk({}, 'stop'), usageChunk(1, 1)]);
    expect(payloads(out).find((p) => p.type === 'message_delta').delta.stop_reason).toBe('refusal');
    expect(out).toContain("I can't help.");
  });

  it('maps content_filter and length', () => {
    const stopOf = (finish: string) => payloads(run(stream(), [oaChunk({ content: 'x' }), oaChunk({}, finish), usageChunk(1, 1)])).find((p) => p.type === 'message_delta').delta.stop_reason;
    expect(stopOf('content_filter')).toBe('refusal');
    expect(stopOf('length')).toBe('max_tokens');
  });

  it('ignores content after finish_reason but still takes the usage', () => {
    const out = run(stream(), [oaChunk({ content: 'a' }, 'stop'), oaChunk({ content: 'late' }), usageChunk(2, 1)]);
    expect(out).not.toContain('late');
    expect(payloads(out).find((p) => p.type === 'message_delta').usage).toEqual({ output_tokens: 1, input_tokens: 2 });
  });
});

describe('AnthropicToOpenAIStream', () => {
  const stream = (ctx = makeContext({ includeUsage: true })) => new AnthropicToOpenAIStream(ctx);
  const start = anEvent('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'up', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } });
  const blockStart = (index: number, content_block: object) => anEvent('content_block_start', { index, content_block });
  const blockDelta = (index: number, delta: object) => anEvent('content_block_delta', { index, delta });
  const blockStop = (index: number) => anEvent('content_block_stop', { index });
  const messageDelta = (stop_reason: string, output_tokens = 5) => anEvent('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens } });
  const stop = anEvent('message_stop', {});

  it('never throws on odd input and still ends validly', () => {
    const t = stream();
    let out = '';
    for (const e of GARBAGE) expect(() => (out += t.push(e))).not.toThrow();
    out += t.finish();
    expectValidOpenAIStream(out, true);
  });

  it('closes an empty upstream stream with role, finish and usage chunks and [DONE]', () => {
    const out = stream().finish();
    expectValidOpenAIStream(out, true);
    const kinds = payloads(out).map((p) => (p === '[DONE]' ? p : p.choices.length ? p.choices[0].finish_reason : 'usage'));
    expect(kinds).toEqual([null, 'stop', 'usage', '[DONE]']);
  });

  it('returns nothing after message_stop, finish() or fail()', () => {
    const t = stream();
    expect(run(t, [start, messageDelta('end_turn'), stop])).toContain('[DONE]');
    expect(t.push(blockStart(0, { type: 'text', text: 'late' }))).toBe('');
    expect(t.finish()).toBe('');
    expect(t.fail(500, 'x')).toBe('');
  });

  it.each([
    [429, 'rate_limit_exceeded', 'rate_limit_exceeded'],
    [500, 'server_error', null],
    [529, 'server_error', null],
    [401, 'invalid_request_error', 'invalid_api_key'],
  ])('fail(%d) emits an OpenAI error of type %s', (status, type, code) => {
    expect(payloads(stream().fail(status, 'boom'))).toEqual([{ error: { message: 'boom', type, param: null, code } }]);
  });

  it('reads an error event defensively', () => {
    expect(payloads(stream().push({ event: 'error', data: '{"type":"error","error":{"message":{"toString":1},"type":"__proto__"}}' }))).toEqual([
      { error: { message: 'upstream error', type: 'server_error', param: null, code: null } },
    ]);
  });

  it('maps an upstream error event by its type', () => {
    const out = stream().push(anEvent('error', { error: { type: 'rate_limit_error', message: 'slow' } }));
    expect(payloads(out)).toEqual([{ error: { message: 'slow', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } }]);
  });

  it.each([
    ['max_tokens', 'length'],
    ['refusal', 'content_filter'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (reason, finish) => {
    const out = run(stream(), [start, blockStart(0, { type: 'text', text: '' }), blockDelta(0, { type: 'text_delta', text: 'x' }), blockStop(0), messageDelta(reason), stop]);
    expect(payloads(out).find((p) => p.choices?.[0]?.finish_reason).choices[0].finish_reason).toBe(finish);
  });

  it('forces tool_calls when a tool was called under end_turn', () => {
    const out = run(stream(), [start, blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }), blockStop(0), messageDelta('end_turn'), stop]);
    expect(payloads(out).find((p) => p.choices?.[0]?.finish_reason).choices[0].finish_reason).toBe('tool_calls');
  });

  it('restores shortened names, rewrites ids over 40 chars, and uses a pre-filled input when no deltas come', () => {
    const ctx = makeContext({ includeUsage: false, toolNames: new Map([['short', 'original']]) });
    const out = run(stream(ctx), [start, blockStart(0, { type: 'tool_use', id: `toolu_${'x'.repeat(40)}`, name: 'short', input: { q: 1 } }), blockStop(0), messageDelta('tool_use'), stop]);
    expectValidOpenAIStream(out, false);
    const calls = payloads(out).flatMap((p) => p.choices?.[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_[A-Za-z0-9_-]{24}$/), type: 'function', function: { name: 'original', arguments: '' } });
    expect(calls[1]).toEqual({ index: 0, function: { arguments: '{"q":1}' } });
  });

  it('skips blocks it cannot express (server tools, redacted thinking) without disturbing tool numbering', () => {
    const out = run(stream(), [
      start,
      blockStart(0, { type: 'redacted_thinking', data: 'opaque' }),
      blockStop(0),
      blockStart(1, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '{"query":"x"}' }),
      blockStop(1),
      blockStart(2, { type: 'tool_use', id: 'toolu_2', name: 'f', input: {} }),
      blockDelta(2, { type: 'input_json_delta', partial_json: '{}' }),
      blockStop(2),
      messageDelta('tool_use'),
      stop,
    ]);
    expectValidOpenAIStream(out, true);
    const calls = payloads(out).flatMap((p) => p.choices?.[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'toolu_2', type: 'function', function: { name: 'f', arguments: '' } },
      { index: 0, function: { arguments: '{}' } },
    ]);
    expect(out).not.toContain('web_search');
  });

  it('takes the cumulative usage from message_delta over message_start', () => {
    const out = run(stream(), [start, anEvent('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 20, output_tokens: 7, cache_read_input_tokens: 3 } }), stop]);
    expect(payloads(out).find((p) => p.usage).usage).toEqual({ prompt_tokens: 23, completion_tokens: 7, total_tokens: 30, prompt_tokens_details: { cached_tokens: 3 } });
  });
});
