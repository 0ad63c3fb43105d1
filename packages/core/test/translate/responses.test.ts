import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { bridge, createContext } from './helpers.js';
import { bridgeFor } from '../../src/translate/registry.js';
import { anthropicUsageToOpenai, finishToStopReason, openaiUsageToAnthropic, stopReasonToFinish } from '../../src/translate/mappings.js';
import { makeContext } from './helpers.js';

const openaiCompletion = (message: object, finish_reason: string | null = 'stop', usage: object | null = { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37 }) => ({
  id: 'chatcmpl-up',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-upstream',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason, logprobs: null }],
  ...(usage ? { usage } : {}),
});

const anthropicMessage = (content: object[], stop_reason = 'end_turn', usage: object = { input_tokens: 30, output_tokens: 7 }) => ({
  id: 'msg_up',
  type: 'message',
  role: 'assistant',
  model: 'claude-upstream',
  content,
  stop_reason,
  stop_sequence: null,
  usage,
});

const toAnthropic = (upstream: unknown, ctx = makeContext()) => bridge('anthropic', 'openai').response(upstream, ctx) as any;
const toOpenAI = (upstream: unknown, ctx = makeContext()) => bridge('openai', 'anthropic').response(upstream, ctx) as any;

describe('OpenAI response → Anthropic message', () => {
  it('has the exact Anthropic shape, with the client-facing model', () => {
    const out = toAnthropic(openaiCompletion({ content: 'Hello!', refusal: null }));
    expect(out).toEqual({
      id: expect.stringMatching(/^msg_[A-Za-z0-9_-]{24}$/),
      type: 'message',
      role: 'assistant',
      model: 'client-model',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7 },
    });
  });

  it('orders thinking, text, tool_use; parses arguments ("" → {}); forces tool_use over stop', () => {
    const out = toAnthropic(
      openaiCompletion(
        {
          content: 'Checking.',
          reasoning_content: 'Need the weather.',
          tool_calls: [
            { id: 'call_abc', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_def', type: 'function', function: { name: 'now', arguments: '' } },
          ],
        },
        'stop',
      ),
    );
    expect(out.content).toEqual([
      { type: 'thinking', thinking: 'Need the weather.', signature: '' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_abc', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_def', name: 'now', input: {} },
    ]);
    expect(out.stop_reason).toBe('tool_use');
  });

  it('accepts `reasoning` as the reasoning field and keeps a reasoning_signature', () => {
    const out = toAnthropic(openaiCompletion({ content: 'x', reasoning: 'r', reasoning_signature: 'sig' }));
    expect(out.content[0]).toEqual({ type: 'thinking', thinking: 'r', signature: 'sig' });
  });

  it('restores shortened tool names and rewrites ids Anthropic would reject', () => {
    const ctx = makeContext({ toolNames: new Map([['short_x', 'the_original_very_long_name']]) });
    const out = toAnthropic(openaiCompletion({ content: null, tool_calls: [{ id: 'functions.short_x:0', type: 'function', function: { name: 'short_x', arguments: '{}' } }] }, 'tool_calls'), ctx);
    expect(out.content[0].name).toBe('the_original_very_long_name');
    expect(out.content[0].id).toMatch(/^toolu_[A-Za-z0-9_-]{24}$/);
  });

  it('gives malformed upstream arguments an empty input instead of failing the answer', () => {
    const out = toAnthropic(openaiCompletion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'tool_calls'));
    expect(out.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
  });

  it('maps a refusal to text with stop_reason refusal', () => {
    const out = toAnthropic(openaiCompletion({ content: null, refusal: 'I cannot help with that.' }, 'stop'));
    expect(out.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(out.stop_reason).toBe('refusal');
  });

  it('maps cached prompt tokens to cache_read_input_tokens', () => {
    const out = toAnthropic(
      openaiCompletion({ content: 'x' }, 'stop', { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cached_tokens: 800 } }),
    );
    expect(out.usage).toEqual({ input_tokens: 200, output_tokens: 10, cache_read_input_tokens: 800 });
  });

  it('uses the input estimate when the upstream reports no usage', () => {
    expect(toAnthropic(openaiCompletion({ content: 'x' }, 'stop', null)).usage).toEqual({ input_tokens: 42, output_tokens: 0 });
  });

  it('answers an empty content list for an empty answer, or no choice at all', () => {
    expect(toAnthropic(openaiCompletion({ content: '' })).content).toEqual([]);
    expect(toAnthropic({ choices: [] })).toMatchObject({ content: [], stop_reason: 'end_turn', model: 'client-model' });
  });

  it('answers 502 for something that is not a completion, naming what is wrong', () => {
    expect(() => toAnthropic({ choices: [{ message: { tool_calls: [[]] } }] })).toThrow(/choices\.0\.message\.tool_calls\.0/);
    for (const bad of [null, 'x', { error: { message: 'no' } }, { choices: 'x' }, { choices: [{}] }, { choices: [{ message: { content: 5 } }] }]) {
      expect(() => toAnthropic(bad)).toThrow(ProxyError);
      try {
        toAnthropic(bad);
      } catch (e) {
        expect((e as ProxyError).status).toBe(502);
      }
    }
  });
});

describe('Anthropic message → OpenAI completion', () => {
  it('has the exact OpenAI shape, with the client-facing model', () => {
    const out = toOpenAI(anthropicMessage([{ type: 'text', text: 'Hello!' }]));
    expect(out).toEqual({
      id: expect.stringMatching(/^chatcmpl-[A-Za-z0-9_-]{24}$/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'client-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(Math.abs(out.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('joins text, has content null for a tool-only turn, and stringifies inputs', () => {
    const out = toOpenAI(
      anthropicMessage(
        [
          { type: 'tool_use', id: 'toolu_01', name: 'ls', input: { path: '.' } },
          { type: 'tool_use', id: 'toolu_02', name: 'pwd', input: {} },
        ],
        'tool_use',
      ),
    );
    expect(out.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        { id: 'toolu_01', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } },
        { id: 'toolu_02', type: 'function', function: { name: 'pwd', arguments: '{}' } },
      ],
    });
    expect(out.choices[0].finish_reason).toBe('tool_calls');
  });

  it('carries thinking as reasoning_content with its signature, skipping redacted and unknown blocks', () => {
    const out = toOpenAI(
      anthropicMessage([
        { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCgIYAh' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'The answer ' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
        { type: 'text', text: 'is 4.' },
      ]),
    );
    expect(out.choices[0].message).toEqual({ role: 'assistant', content: 'The answer is 4.', refusal: null, reasoning_content: 'Let me think.', reasoning_signature: 'EqQBCgIYAh' });
  });

  it('keeps no signature when several thinking blocks were joined (it would not verify)', () => {
    const out = toOpenAI(
      anthropicMessage([
        { type: 'thinking', thinking: 'a', signature: 's1' },
        { type: 'thinking', thinking: 'b', signature: 's2' },
        { type: 'text', text: 'x' },
      ]),
    );
    expect(out.choices[0].message.reasoning_content).toBe('ab');
    expect(out.choices[0].message).not.toHaveProperty('reasoning_signature');
  });

  it('forces tool_calls when tool calls were produced under end_turn', () => {
    const out = toOpenAI(anthropicMessage([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }], 'end_turn'));
    expect(out.choices[0].finish_reason).toBe('tool_calls');
  });

  it('restores shortened tool names and rewrites ids over 40 chars', () => {
    const ctx = makeContext({ toolNames: new Map([['short_y', 'original_y']]) });
    const out = toOpenAI(anthropicMessage([{ type: 'tool_use', id: `toolu_${'Z'.repeat(40)}`, name: 'short_y', input: {} }], 'tool_use'), ctx);
    const call = out.choices[0].message.tool_calls[0];
    expect(call.function.name).toBe('original_y');
    expect(call.id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
  });

  it('counts cache reads and writes in prompt_tokens', () => {
    const out = toOpenAI(anthropicMessage([{ type: 'text', text: 'x' }], 'end_turn', { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 900, cache_creation_input_tokens: 100 }));
    expect(out.usage).toEqual({ prompt_tokens: 1010, completion_tokens: 5, total_tokens: 1015, prompt_tokens_details: { cached_tokens: 900, cache_write_tokens: 100 } });
  });

  it('answers 502 for something that is not a message, or a known block it cannot read', () => {
    const status = (value: unknown) => {
      try {
        toOpenAI(value);
      } catch (e) {
        expect(e).toBeInstanceOf(ProxyError);
        return (e as ProxyError).status;
      }
      return 200;
    };
    expect(status({ type: 'error', error: { type: 'api_error', message: 'x' } })).toBe(502);
    expect(status(anthropicMessage([{ type: 'tool_use', id: {}, name: 'f', input: {} }]))).toBe(502);
    expect(status(anthropicMessage([{ type: 'text' }]))).toBe(502);
    expect(status({ content: [], usage: { input_tokens: 'many' } })).toBe(502);
    // an envelope with only content is enough
    expect(status({ content: [{ type: 'text', text: 'x' }] })).toBe(200);
  });
});

describe('finish_reason ⇄ stop_reason', () => {
  it.each([
    ['stop', false, 'end_turn'],
    ['length', false, 'max_tokens'],
    ['tool_calls', false, 'tool_use'],
    ['function_call', false, 'tool_use'],
    ['content_filter', false, 'refusal'],
    ['stop', true, 'tool_use'],
    [null, false, 'end_turn'],
    [null, true, 'tool_use'],
    ['length', true, 'max_tokens'],
    ['something_new', false, 'end_turn'],
  ])('OpenAI %s (tool calls: %s) → %s', (finish, tools, stop) => {
    expect(finishToStopReason(finish, tools)).toBe(stop);
  });

  it.each([
    ['end_turn', false, 'stop'],
    ['stop_sequence', false, 'stop'],
    ['max_tokens', false, 'length'],
    ['model_context_window_exceeded', false, 'length'],
    ['tool_use', false, 'tool_calls'],
    ['refusal', false, 'content_filter'],
    ['pause_turn', false, 'stop'],
    ['end_turn', true, 'tool_calls'],
    [null, false, 'stop'],
  ])('Anthropic %s (tool calls: %s) → %s', (stop, tools, finish) => {
    expect(stopReasonToFinish(stop, tools)).toBe(finish);
  });
});

describe('usage mapping', () => {
  it.each([
    [{ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 }, { input_tokens: 100, output_tokens: 20 }],
    [
      { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
      { input_tokens: 40, output_tokens: 20, cache_read_input_tokens: 60 },
    ],
    [
      { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 } },
      { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 },
    ],
    [{ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } }, { input_tokens: 5, output_tokens: 0 }],
  ])('OpenAI %j → Anthropic %j', (openai, anthropic) => {
    expect(openaiUsageToAnthropic(openai)).toEqual(anthropic);
  });

  it.each([
    [{ input_tokens: 100, output_tokens: 20 }, { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 0 } }],
    [
      { input_tokens: 40, output_tokens: 20, cache_read_input_tokens: 60 },
      { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
    ],
    [
      { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 },
      { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 } },
    ],
    [{}, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 } }],
  ])('Anthropic %j → OpenAI %j', (anthropic, openai) => {
    expect(anthropicUsageToOpenai(anthropic)).toEqual(openai);
  });

  it('round-trips', () => {
    const usage = { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 11, cache_creation_input_tokens: 13 };
    expect(openaiUsageToAnthropic(anthropicUsageToOpenai(usage))).toEqual(usage);
  });
});

describe('createContext', () => {
  it('reads include_usage only from an OpenAI client body', () => {
    expect(createContext('openai', { messages: [], stream_options: { include_usage: true } }, 'm').includeUsage).toBe(true);
    expect(createContext('openai', { messages: [], stream_options: { include_usage: false } }, 'm').includeUsage).toBe(false);
    expect(createContext('openai', { messages: [] }, 'm').includeUsage).toBe(false);
    expect(createContext('anthropic', { messages: [], stream_options: { include_usage: true } }, 'm').includeUsage).toBe(false);
  });

  it('starts with empty maps, the default max tokens and an input estimate', () => {
    const ctx = createContext('anthropic', { system: 'x'.repeat(400), messages: [{ role: 'user', content: 'y'.repeat(400) }] }, 'claude-x');
    expect(ctx).toMatchObject({ model: 'claude-x', defaultMaxTokens: 4096, reasoning: undefined });
    expect(createContext('openai', { messages: [] }, 'm', 4096, false).reasoning).toBe(false);
    expect(ctx.toolIds.size + ctx.toolNames.size).toBe(0);
    expect(ctx.estimatedInputTokens).toBeGreaterThanOrEqual(200);
  });

  it('a protocol and itself: the identity bridge, bytes through untouched', () => {
    for (const p of ['openai', 'anthropic'] as const) {
      const identity = bridgeFor(p, p);
      expect([identity.validates, identity.stream('m')]).toEqual([false, null]);
      const raw = Buffer.from('{"model":"m","messages":[]}');
      expect(identity.request({ body: { model: 'm', messages: [] }, raw, model: 'm', stream: false }, 'm').body).toBe(raw);
      expect(identity.request({ body: { model: 'm', messages: [] }, raw, model: 'm', stream: false }, 'other').body).toEqual({ model: 'other', messages: [] });
      const answer = Buffer.from('{"id":"x"}');
      expect(identity.answer(answer, 'm')).toBe(answer);
      expect(() => identity.answer(Buffer.from('{"error":{"message":"no"}}'), 'm')).toThrow('no');
    }
  });
});
