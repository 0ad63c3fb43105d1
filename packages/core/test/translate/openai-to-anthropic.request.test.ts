import { describe, expect, it } from 'vitest';
import { parseOpenAIRequest } from '../../src/protocols/openai/types.js';
import { bridge, createContext } from './helpers.js';
import type { TranslateContext } from '../../src/translate/types.js';
import { badRequest, user } from './helpers.js';

const PNG = 'iVBORw0KGgo=';

/** What the pipeline does: validate, create the context, translate. */
function translate(body: Record<string, unknown>, ctx?: TranslateContext) {
  const full = { model: 'gpt-x', ...body };
  parseOpenAIRequest(full);
  const c = ctx ?? createContext('openai', full, 'claude-x');
  return bridge('openai', 'anthropic').request(full, c) as any;
}



describe('OpenAI request → Anthropic: system', () => {
  it('joins every system and developer message, wherever it sits, with \\n', () => {
    const out = translate({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }, { type: 'text', text: '' }] },
        user('hi'),
        { role: 'system', content: 'Late rule.' },
      ],
    });
    expect(out.system).toBe('You are terse.\nUse metric units.\nLate rule.');
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('keeps text blocks when cache_control must survive', () => {
    const out = translate({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'big prompt', cache_control: { type: 'ephemeral' } }] },
        { role: 'system', content: 'small' },
        user('hi'),
      ],
    });
    expect(out.system).toEqual([
      { type: 'text', text: 'big prompt', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'small' },
    ]);
  });

  it('sends a request of only system messages as the user turn, once (Anthropic needs a message)', () => {
    const out = translate({ messages: [{ role: 'system', content: 'Write a haiku.' }, { role: 'developer', content: 'About rain.' }] });
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Write a haiku.' }, { type: 'text', text: 'About rain.' }] }]);
    expect(out).not.toHaveProperty('system');
    const cached = translate({ messages: [{ role: 'system', content: [{ type: 'text', text: 'big', cache_control: { type: 'ephemeral' } }] }, user('')] });
    expect(cached.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'big', cache_control: { type: 'ephemeral' } }] }]);
    expect(cached).not.toHaveProperty('system');
  });

  it('refuses with a 400 naming messages when no message has content', () => {
    const err = badRequest(() => translate({ messages: [{ role: 'system', content: '' }, user(''), { role: 'assistant', content: '' }] }));
    expect(err.param).toBe('messages');
    expect(err.message).toMatch(/^messages: /);
  });

  it('has no system field without system messages', () => {
    expect(translate({ messages: [user('hi')] })).not.toHaveProperty('system');
  });
});

describe('OpenAI request → Anthropic: messages', () => {
  it('drops empty text and messages that end up empty', () => {
    const out = translate({
      messages: [user(''), user([{ type: 'text', text: '' }, { type: 'text', text: 'real' }]), { role: 'assistant', content: '' }, user('again')],
    });
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'real' }, { type: 'text', text: 'again' }] }]);
  });

  it('turns a run of tool messages into one user turn, tool_results first, then the user text', () => {
    const out = translate({
      messages: [
        user('weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
        user('and tomorrow?'),
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
          { type: 'text', text: 'and tomorrow?' },
        ],
      },
    ]);
  });

  it('sends an empty tool result without content', () => {
    const out = translate({
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'c', content: '' },
      ],
    });
    expect(out.messages[1].content).toEqual([{ type: 'tool_result', tool_use_id: 'c' }]);
  });

  it('parses empty or blank tool arguments as {}', () => {
    const out = translate({
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'now', arguments: '' } },
            { id: 'b', type: 'function', function: { name: 'now', arguments: '  \n' } },
          ],
        },
      ],
    });
    expect(out.messages[0].content.map((b: any) => b.input)).toEqual([{}, {}]);
  });

  it('rejects tool arguments that are not a JSON object with a 400 naming them', () => {
    const err = badRequest(() =>
      translate({ messages: [user('x'), { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }),
    );
    expect(err.param).toBe('messages.1.tool_calls.0.function.arguments');
  });

  it('rewrites tool ids Anthropic would reject, the same way in tool_use and tool_result', () => {
    const ctx = createContext('openai', {}, 'claude-x');
    const out = translate(
      {
        messages: [
          { role: 'assistant', tool_calls: [{ id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'functions.get_weather:0', content: 'sunny' },
        ],
      },
      ctx,
    );
    const id = out.messages[0].content[0].id;
    expect(id).toMatch(/^toolu_[A-Za-z0-9_-]{24}$/);
    expect(out.messages[1].content[0].tool_use_id).toBe(id);
    expect(ctx.toolIds.get('functions.get_weather:0')).toBe(id);
    // the next request (a new context) maps the id the same way
    const again = translate({ messages: [{ role: 'tool', tool_call_id: 'functions.get_weather:0', content: 'x' }] });
    expect(again.messages[0].content[0].tool_use_id).toBe(id);
  });

  it('restores a thinking block only when its signature came back', () => {
    const out = translate({
      messages: [
        user('q'),
        { role: 'assistant', content: 'a1', reasoning_content: 'thought 1', reasoning_signature: 'sig1' },
        user('q2'),
        { role: 'assistant', content: 'a2', reasoning_content: 'unsigned thought' },
        user('q3'),
      ],
    });
    expect(out.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'thought 1', signature: 'sig1' },
      { type: 'text', text: 'a1' },
    ]);
    expect(out.messages[3].content).toEqual([{ type: 'text', text: 'a2' }]);
  });

  it('carries assistant refusal parts as text', () => {
    const out = translate({ messages: [user('q'), { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] }] });
    expect(out.messages[1].content).toEqual([{ type: 'text', text: 'I cannot.' }]);
  });
});

describe('OpenAI request → Anthropic: images and files', () => {
  const image = (url: string, detail?: string) => ({ type: 'image_url', image_url: { url, ...(detail ? { detail } : {}) } });

  it('converts base64 data URLs, http URLs, fixes image/jpg and drops detail', () => {
    const out = translate({
      messages: [
        user([
          { type: 'text', text: 'compare' },
          image(`data:image/png;base64,${PNG}`, 'high'),
          image(`data:image/jpg;base64,${PNG}`),
          image('https://example.com/cat.webp', 'low'),
        ]),
      ],
    });
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: 'compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
    ]);
  });

  it('rejects unsupported image types and URL schemes with a 400 naming the part', () => {
    expect(badRequest(() => translate({ messages: [user([image(`data:image/bmp;base64,${PNG}`)])] })).param).toBe('messages.0.content.0');
    expect(badRequest(() => translate({ messages: [user([{ type: 'text', text: 'x' }, image('ftp://x/y.png')])] })).param).toBe('messages.0.content.1');
  });

  it('turns a PDF file part into a document block (data URL or bare base64)', () => {
    const out = translate({
      messages: [
        user([
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'file', file: { file_data: 'JVBERi0=' } },
        ]),
      ],
    });
    expect(out.messages[0].content).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'report.pdf' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('rejects file ids, non-PDF files and audio with a 400', () => {
    expect(badRequest(() => translate({ messages: [user([{ type: 'file', file: { file_id: 'file-1' } }])] })).message).toMatch(/file_id/);
    expect(badRequest(() => translate({ messages: [user([{ type: 'file', file: { file_data: 'data:text/csv;base64,YQ==' } }])] })).param).toBe('messages.0.content.0');
    expect(badRequest(() => translate({ messages: [user([{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }])] })).param).toBe('messages.0.content.0');
  });
});

describe('OpenAI request → Anthropic: tools', () => {
  const fn = (name: string, parameters?: object, description?: string) => ({
    type: 'function',
    function: { name, ...(description ? { description } : {}), ...(parameters ? { parameters } : {}) },
  });
  const schema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

  it('maps function tools, defaulting a missing schema to an empty object schema', () => {
    const out = translate({ messages: [user('x')], tools: [fn('search', schema, 'Search the web'), fn('now'), fn('empty', {})] });
    expect(out.tools).toEqual([
      { name: 'search', description: 'Search the web', input_schema: schema },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
      { name: 'empty', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    [{ type: 'function', function: { name: 'search' } }, undefined, { type: 'tool', name: 'search' }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'search' } }, false, { type: 'tool', name: 'search', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    ['auto', true, { type: 'auto' }],
  ])('tool_choice %j with parallel_tool_calls %j → %j', (choice, parallel, expected) => {
    const out = translate({ messages: [user('x')], tools: [fn('search', schema)], tool_choice: choice, parallel_tool_calls: parallel });
    expect(out.tool_choice).toEqual(expected);
  });

  it('sends no tool_choice when the client gave none', () => {
    expect(translate({ messages: [user('x')], tools: [fn('search', schema)] })).not.toHaveProperty('tool_choice');
  });

  it('honours allowed_tools by sending only those tools, with its mode', () => {
    const out = translate({
      messages: [user('x')],
      tools: [fn('a'), fn('b'), fn('c')],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'b' } }] } },
    });
    expect(out.tools.map((t: any) => t.name)).toEqual(['b']);
    expect(out.tool_choice).toEqual({ type: 'any' });
  });

  it('drops tool_choice when there are no tools', () => {
    const out = translate({ messages: [user('x')], tool_choice: 'required' });
    expect(out).not.toHaveProperty('tools');
    expect(out).not.toHaveProperty('tool_choice');
  });

  it('rejects non-function tools with a 400 naming the field', () => {
    expect(badRequest(() => translate({ messages: [user('x')], tools: [{ type: 'custom', custom: { name: 'x' } }] })).param).toBe('tools.0.type');
  });

  it('shortens names over 64 chars everywhere, consistently, and remembers the original', () => {
    const long = `mcp__very_long_server_name__${'x'.repeat(60)}`;
    const ctx = createContext('openai', {}, 'claude-x');
    const out = translate(
      {
        messages: [
          user('x'),
          { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: long, arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        ],
        tools: [fn(long)],
        tool_choice: { type: 'function', function: { name: long } },
      },
      ctx,
    );
    const short = out.tools[0].name;
    expect(short).toHaveLength(64);
    expect(short.startsWith(long.slice(0, 55))).toBe(true);
    expect(out.tool_choice.name).toBe(short);
    expect(out.messages[1].content[0].name).toBe(short);
    expect(ctx.toolNames.get(short)).toBe(long);
  });
});

describe('OpenAI request → Anthropic: options', () => {
  it('defaults max_tokens (Anthropic requires it), preferring max_completion_tokens over max_tokens', () => {
    expect(translate({ messages: [user('x')] }).max_tokens).toBe(4096);
    expect(translate({ messages: [user('x')], max_tokens: 100 }).max_tokens).toBe(100);
    expect(translate({ messages: [user('x')], max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(200);
    const ctx = { ...createContext('openai', {}, 'm'), defaultMaxTokens: 64000 };
    expect(translate({ messages: [user('x')] }, ctx).max_tokens).toBe(64000);
  });

  it.each([
    [1.7, 1],
    [-0.5, 0],
    [0.3, 0.3],
  ])('clamps temperature %d to %d', (t, expected) => {
    expect(translate({ messages: [user('x')], temperature: t }).temperature).toBe(expected);
  });

  it('sends top_p alone, but not next to temperature (recent Claude models reject both)', () => {
    expect(translate({ messages: [user('x')], top_p: 0.9 }).top_p).toBe(0.9);
    const both = translate({ messages: [user('x')], temperature: 0.5, top_p: 0.9 });
    expect(both.temperature).toBe(0.5);
    expect(both).not.toHaveProperty('top_p');
  });

  it('maps stop to stop_sequences, dropping blank ones', () => {
    expect(translate({ messages: [user('x')], stop: 'END' }).stop_sequences).toEqual(['END']);
    expect(translate({ messages: [user('x')], stop: ['a', ' ', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect(translate({ messages: [user('x')], stop: [] })).not.toHaveProperty('stop_sequences');
  });

  it('rejects n > 1 with a 400 naming n, accepts n = 1', () => {
    expect(badRequest(() => translate({ messages: [user('x')], n: 2 })).param).toBe('n');
    expect(translate({ messages: [user('x')], n: 1 })).not.toHaveProperty('n');
  });

  it('maps user to metadata.user_id', () => {
    expect(translate({ messages: [user('x')], user: 'u-1' }).metadata).toEqual({ user_id: 'u-1' });
  });

  it('maps response_format json_schema to output_config.format; json_object and text have no counterpart', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false };
    const out = translate({ messages: [user('x')], response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema } } });
    expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(translate({ messages: [user('x')], response_format: { type: 'json_object' } })).not.toHaveProperty('output_config');
    expect(translate({ messages: [user('x')], response_format: { type: 'text' } })).not.toHaveProperty('output_config');
  });

  it('does not carry OpenAI-only fields', () => {
    const out = translate({ messages: [user('x')], stream: true, stream_options: { include_usage: true }, seed: 1, frequency_penalty: 0.5, logit_bias: {} });
    expect(Object.keys(out).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it('never mutates the client body', () => {
    const body = {
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'assistant', tool_calls: [{ id: 'x:1', type: 'function', function: { name: 'f', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'x:1', content: 'r' },
        user([{ type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}`, detail: 'low' } }]),
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
      temperature: 2,
      stop: 'x',
      reasoning_effort: 'high',
    };
    const copy = structuredClone(body);
    translate(body);
    expect(body).toEqual(copy);
  });
});

describe('OpenAI request → Anthropic: reasoning_effort', () => {
  it.each([
    ['minimal', 1024],
    ['low', 1024],
    ['medium', 2048],
    ['high', 4096],
  ])('%s → thinking budget %d', (effort, budget) => {
    const out = translate({ messages: [user('x')], reasoning_effort: effort, max_completion_tokens: 16000, temperature: 0.2, top_p: 0.5 });
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    // thinking requires the default temperature / top_p
    expect(out).not.toHaveProperty('temperature');
    expect(out).not.toHaveProperty('top_p');
  });

  it("shrinks the budget to leave the answer 1024 of the client's max_tokens, and drops thinking when both do not fit", () => {
    expect(translate({ messages: [user('x')], reasoning_effort: 'high', max_tokens: 3000 })).toMatchObject({ max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1976 } });
    expect(translate({ messages: [user('x')], reasoning_effort: 'low', max_completion_tokens: 2048 })).toMatchObject({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } });
    for (const max of [2047, 1025, 1000]) {
      const out = translate({ messages: [user('x')], reasoning_effort: 'high', max_tokens: max });
      expect(out).not.toHaveProperty('thinking');
      expect(out.max_tokens).toBe(max);
    }
  });

  it.each([
    ['low', 1024],
    ['medium', 2048],
    ['high', 4096],
  ])('without a client max_tokens, %s thinking comes on top of the default answer room', (effort, budget) => {
    expect(translate({ messages: [user('x')], reasoning_effort: effort })).toMatchObject({ max_tokens: 4096 + budget, thinking: { type: 'enabled', budget_tokens: budget } });
  });

  it('raises max_tokens for thinking up to 32000 (the lowest limit of the Claude models that think), never above a higher configured default', () => {
    const withDefault = (defaultMaxTokens: number) => translate({ messages: [user('x')], reasoning_effort: 'high' }, { ...createContext('openai', {}, 'm'), defaultMaxTokens });
    expect(withDefault(30000)).toMatchObject({ max_tokens: 32000, thinking: { budget_tokens: 4096 } });
    expect(withDefault(64000)).toMatchObject({ max_tokens: 64000, thinking: { budget_tokens: 4096 } });
    // no thinking: the default stays as it is
    expect(translate({ messages: [user('x')], reasoning_effort: 'none' }).max_tokens).toBe(4096);
    const tools = [{ type: 'function', function: { name: 'f' } }];
    expect(translate({ messages: [user('x')], tools, tool_choice: 'required', reasoning_effort: 'high' }).max_tokens).toBe(4096);
  });

  it('none means no thinking', () => {
    expect(translate({ messages: [user('x')], reasoning_effort: 'none' })).not.toHaveProperty('thinking');
  });

  it('drops thinking when a tool is forced (thinking allows only auto/none)', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    expect(translate({ messages: [user('x')], tools, tool_choice: 'required', reasoning_effort: 'low' })).not.toHaveProperty('thinking');
    expect(translate({ messages: [user('x')], tools, tool_choice: 'auto', reasoning_effort: 'low' }).thinking).toBeDefined();
  });

  it('drops thinking when a tool-use turn is continued without its signed thinking block', () => {
    const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } };
    const messages = (extra: object) => [user('x'), { role: 'assistant', content: null, tool_calls: [call], ...extra }, { role: 'tool', tool_call_id: 'c', content: 'r' }];
    expect(translate({ messages: messages({}), reasoning_effort: 'low' })).not.toHaveProperty('thinking');
    const signed = translate({ messages: messages({ reasoning_content: 't', reasoning_signature: 's' }), reasoning_effort: 'low' });
    expect(signed.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });
});

describe('parseOpenAIRequest', () => {
  it('names the first offending field, digging into unions', () => {
    const err = badRequest(() => parseOpenAIRequest({ model: 'm', messages: [user('ok'), user([{ type: 'video', url: 'x' }])] }));
    expect(err.param).toBe('messages.1.content.0.type');
    expect(err.message).toMatch(/^messages\.1\.content\.0\.type: /);
    expect(badRequest(() => parseOpenAIRequest({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] })).param).toBe('messages.0.role');
    expect(badRequest(() => parseOpenAIRequest({ model: 'm', messages: [], max_tokens: -1 })).param).toBe('max_tokens');
    expect(badRequest(() => parseOpenAIRequest({ model: 'm', messages: [{ role: 'tool', content: 'x' }] })).param).toBe('messages.0.tool_call_id');
  });

  it('lets unknown fields through and returns the body itself', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x', extra: 1 }], vendor_flag: true };
    expect(parseOpenAIRequest(body)).toBe(body);
  });
});
