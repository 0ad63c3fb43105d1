import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { AnthropicStreamAggregate } from '../../src/protocols/anthropic/aggregate.js';
import { OpenAIStreamAggregate } from '../../src/protocols/openai/aggregate.js';
import { CLIENTS } from '../../src/protocols/index.js';
const estimateInputTokens = (p: 'openai' | 'anthropic', body: Record<string, unknown>) => CLIENTS[p].estimateInputTokens(body);
import { fixture, parseSse } from './helpers.js';

function aggregateOpenAI(text: string) {
  const agg = new OpenAIStreamAggregate();
  for (const e of parseSse(text)) agg.push(e);
  return agg;
}

function aggregateAnthropic(text: string) {
  const agg = new AnthropicStreamAggregate();
  for (const e of parseSse(text)) agg.push(e);
  return agg;
}

function thrown(fn: () => unknown): ProxyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProxyError);
    return e as ProxyError;
  }
  throw new Error('expected a ProxyError');
}

describe('OpenAIStreamAggregate', () => {
  it('builds the chat.completion of a text + tool call stream', () => {
    expect(aggregateOpenAI(fixture('openai-text-then-tool.sse')).finish()).toEqual({
      id: 'chatcmpl-C1toolAAAAAAAAAAAAAAAAAAAAAAAAA',
      object: 'chat.completion',
      created: 1741569952,
      model: 'gpt-4.1-2025-04-14',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check the weather.',
            refusal: null,
            tool_calls: [{ id: 'call_Qx1a2B3c', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: expect.objectContaining({ prompt_tokens: 85, completion_tokens: 24, total_tokens: 109 }),
    });
  });

  it('keeps parallel calls in index order and gives a no-argument call "{}"; content is null without text', () => {
    const message = aggregateOpenAI(fixture('openai-parallel-tools.sse')).finish().choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls!.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([
      ['call_Par0', 'get_weather', '{"city": "Paris"}'],
      ['call_Par1', 'get_weather', '{"city": "Rome"}'],
      ['call_Par2', 'get_time', '{}'],
    ]);
  });

  it('reassembles interleaved fragments per index', () => {
    const calls = aggregateOpenAI(fixture('openai-interleaved-tools.sse')).finish().choices[0]!.message.tool_calls!;
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ path: 'a.txt' }, { dir: 'src' }]);
  });

  it('separates parallel calls streamed all at index 0 with different ids; no id or the same id continues a call', () => {
    const chunk = (call: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [call] }, finish_reason: finish }] })}\n\n`;
    const stream = [
      chunk({ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
      chunk({ index: 0, function: { arguments: '"Paris"}' } }),
      chunk({ index: 0, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
      chunk({ index: 0, id: 'call_b', function: { arguments: '"Rome"}' } }, 'tool_calls'),
    ].join('');
    const calls = aggregateOpenAI(stream).finish().choices[0]!.message.tool_calls!;
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['call_a', 'get_weather', { city: 'Paris' }],
      ['call_b', 'get_weather', { city: 'Rome' }],
    ]);
    // a server that changes the id after a call's first fragment: a nameless fragment continues the call
    const unstable = [
      chunk({ index: 0, id: 'call_first', type: 'function', function: { name: 'get_weather', arguments: '' } }),
      chunk({ index: 0, id: 'call_other', function: { arguments: '{"city":' } }),
      chunk({ index: 0, id: 'call_other', function: { arguments: '"Oslo"}' } }, 'tool_calls'),
    ].join('');
    const one = aggregateOpenAI(unstable).finish().choices[0]!.message.tool_calls!;
    expect(one.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([['call_first', 'get_weather', { city: 'Oslo' }]]);
  });

  it('collects reasoning_content', () => {
    const completion = aggregateOpenAI(fixture('openai-thinking.sse')).finish();
    expect(completion.choices[0]!.message).toMatchObject({ content: '2 + 2 = 4.', reasoning_content: 'The user asks 2+2. That is 4.' });
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(22);
  });

  it('handles content and finish_reason in one chunk, and zero usage when none came', () => {
    expect(aggregateOpenAI(fixture('openai-content-and-finish.sse')).finish().choices[0]).toMatchObject({ message: { content: 'Done.' }, finish_reason: 'stop' });
    expect(aggregateOpenAI(fixture('openai-no-usage.sse')).finish().usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('ends a truncated stream with what arrived', () => {
    const completion = aggregateOpenAI(fixture('openai-truncated.sse')).finish();
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: 'I will write' } });
  });

  it('ignores junk and null deltas', () => {
    expect(aggregateOpenAI(fixture('openai-odd-input.sse')).finish().choices[0]!.message.content).toBe('ok');
  });

  it('throws the in-stream error with its status', () => {
    const err = thrown(() => aggregateOpenAI(fixture('openai-error.sse')).finish());
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/server had an error/);
    expect(thrown(() => aggregateOpenAI('data: {"error":{"message":"slow","type":"rate_limit_exceeded"}}\n\n').finish()).status).toBe(429);
  });

  it('answers 502 for a stream without chunks', () => {
    expect(thrown(() => aggregateOpenAI('data: [DONE]\n\n').finish()).status).toBe(502);
  });
});

describe('AnthropicStreamAggregate', () => {
  it('builds the message of a text + tool_use stream, parsing the input JSON', () => {
    expect(aggregateAnthropic(fixture('anthropic-text-then-tool.sse')).finish()).toEqual({
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'text', text: 'Okay, let me check the weather.' },
        { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 472, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 89, service_tier: 'standard' },
    });
  });

  it('keeps the start input of a tool block without deltas', () => {
    expect(aggregateAnthropic(fixture('anthropic-parallel-tools.sse')).finish().content).toEqual([
      { type: 'tool_use', id: 'toolu_01AAA', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'toolu_01BBB', name: 'get_time', input: {} },
    ]);
  });

  it('collects thinking and its signature', () => {
    expect(aggregateAnthropic(fixture('anthropic-thinking.sse')).finish().content[0]).toEqual({
      type: 'thinking',
      thinking: '2 + 2 is basic arithmetic: 4.',
      signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
    });
  });

  it('takes the cumulative usage of message_delta', () => {
    expect(aggregateAnthropic(fixture('anthropic-cache-usage.sse')).finish().usage).toEqual({
      input_tokens: 12,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 1800,
      output_tokens: 5,
    });
  });

  it('ends a truncated stream with what arrived', () => {
    const message = aggregateAnthropic(fixture('anthropic-truncated.sse')).finish();
    expect(message.stop_reason).toBeNull();
    expect(message.content).toEqual([
      { type: 'text', text: 'I was cut' },
      { type: 'tool_use', id: 'toolu_01Cut', name: 'f', input: {} },
    ]);
  });

  it('throws the in-stream error with its status', () => {
    const err = thrown(() => aggregateAnthropic(fixture('anthropic-error.sse')).finish());
    expect(err.status).toBe(529);
    expect(err.message).toBe('Overloaded');
  });

  it('answers 502 for a stream that never started a message', () => {
    expect(thrown(() => aggregateAnthropic('event: ping\ndata: {"type":"ping"}\n\n').finish()).status).toBe(502);
  });

  it('leaves out block types it does not know, as a translated answer would', () => {
    const agg = aggregateAnthropic(
      fixture('anthropic-text.sse').replace(
        'event: content_block_start',
        'event: content_block_start\ndata: {"type":"content_block_start","index":9,"content_block":{"type":"server_tool_use","id":"s","name":"web_search","input":{}}}\n\nevent: content_block_start',
      ),
    );
    expect(agg.finish().content).toEqual([{ type: 'text', text: 'Hello! How can I help?' }]);
  });

  it('ignores junk', () => {
    const agg = aggregateAnthropic(`data: nope\n\n${fixture('anthropic-text.sse')}data: {"type":"content_block_delta","index":7,"delta":{"type":"text_delta","text":"x"}}\n\n`);
    expect(agg.finish().content).toEqual([{ type: 'text', text: 'Hello! How can I help?' }]);
  });
});

describe('estimateInputTokens', () => {
  it('counts about 4 characters a token over system, messages and tools', () => {
    const body = { system: 'a'.repeat(400), messages: [{ role: 'user', content: 'b'.repeat(800) }], tools: [{ name: 'f', input_schema: { type: 'object' } }] };
    const tokens = estimateInputTokens('anthropic', body);
    expect(tokens).toBeGreaterThanOrEqual(300);
    expect(tokens).toBeLessThan(330);
  });

  it('counts an image as a fixed amount, not its base64 size', () => {
    const big = 'A'.repeat(1_000_000);
    const openai = estimateInputTokens('openai', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${big}` } }] }] });
    const anthropic = estimateInputTokens('anthropic', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: big } }] }] });
    for (const n of [openai, anthropic]) {
      expect(n).toBeGreaterThan(1000);
      expect(n).toBeLessThan(2000);
    }
  });

  it('counts tool calls and results, and is 0 for nothing', () => {
    const withCall = estimateInputTokens('openai', { messages: [{ role: 'assistant', tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: 'z'.repeat(400) } }] }] });
    expect(withCall).toBeGreaterThan(100);
    expect(estimateInputTokens('openai', { messages: [] })).toBe(0);
  });
});
