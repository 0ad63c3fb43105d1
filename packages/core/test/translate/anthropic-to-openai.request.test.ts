import { describe, expect, it } from 'vitest';
import { parseAnthropicRequest } from '../../src/protocols/anthropic/types.js';
import { bridge, createContext } from './helpers.js';
import { refusedReasoningEffort, takesReasoningEffort } from '../../src/translate/index.js';
import type { TranslateContext } from '../../src/translate/types.js';
import { badRequest, user } from './helpers.js';

const PNG = 'iVBORw0KGgo=';

function translate(body: Record<string, unknown>, ctx?: TranslateContext) {
  const full = { model: 'claude-x', max_tokens: 1000, ...body };
  parseAnthropicRequest(full);
  return bridge('anthropic', 'openai').request(full, ctx ?? createContext('anthropic', full, 'gpt-x')) as any;
}

const assistant = (content: unknown) => ({ role: 'assistant', content });
/** a context for a model known to take reasoning_effort */
const reasoner = { ...createContext('anthropic', {}, 'gpt-x'), reasoning: true };


describe('Anthropic request → OpenAI: system', () => {
  it('puts a string system first', () => {
    expect(translate({ system: 'Be brief.', messages: [user('hi')] }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('joins system blocks with \\n and drops cache_control', () => {
    const out = translate({
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Long rules.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [user('hi')],
    });
    expect(out.messages[0]).toEqual({ role: 'system', content: 'You are Claude Code.\nLong rules.' });
  });

  it('accepts role system inside messages (recent Claude Code sends it)', () => {
    const out = translate({ messages: [user('hi'), { role: 'system', content: [{ type: 'text', text: 'reminder' }] }, { role: 'system', content: 'plain' }] });
    expect(out.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'reminder' },
      { role: 'system', content: 'plain' },
    ]);
  });
});

describe('Anthropic request → OpenAI: messages', () => {
  it('joins user text blocks into a string, dropping empty ones and cache_control', () => {
    const out = translate({ messages: [user([{ type: 'text', text: '<reminder/>' }, { type: 'text', text: '' }, { type: 'text', text: 'fix it', cache_control: { type: 'ephemeral' } }])] });
    expect(out.messages).toEqual([{ role: 'user', content: '<reminder/>\nfix it' }]);
  });

  it('turns tool_use into tool_calls (content null when tool-only) and tool_results into tool messages before the user text', () => {
    const out = translate({
      messages: [
        user('list files'),
        assistant([
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_01A', name: 'ls', input: { path: '.' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'pwd', input: {} },
        ]),
        user([
          { type: 'text', text: 'here:' },
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'a.txt' },
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: '/home' }], is_error: false },
        ]),
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: 'list files' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_01A', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } },
          { id: 'toolu_01B', type: 'function', function: { name: 'pwd', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'toolu_01B', content: '/home' },
      { role: 'user', content: 'here:' },
    ]);
  });

  it('joins assistant text blocks and keeps text next to tool calls; drops thinking', () => {
    const out = translate({
      messages: [
        user('q'),
        assistant([
          { type: 'thinking', thinking: 't', signature: 's' },
          { type: 'redacted_thinking', data: 'xx' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
        ]),
      ],
    });
    expect(out.messages[1]).toEqual({ role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] });
  });

  it('skips an assistant turn left empty (only thinking)', () => {
    const out = translate({ messages: [user('q'), assistant([{ type: 'thinking', thinking: 't', signature: 's' }]), user('again')] });
    expect(out.messages).toEqual([
      { role: 'user', content: 'q' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('moves images out of tool results into the user message that follows (tool messages hold text only)', () => {
    const out = translate({
      messages: [
        assistant([{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'taken' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }]),
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'taken' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
    ]);
  });

  it('converts images (base64 → data URL, url passes) and PDFs (→ file part)', () => {
    const out = translate({
      messages: [
        user([
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf' },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain doc' } },
        ]),
      ],
    });
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${PNG}` } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'file', file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      { type: 'file', file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      { type: 'text', text: 'plain doc' },
    ]);
  });

  it('rejects sources an OpenAI upstream cannot take with a 400 naming the block', () => {
    expect(badRequest(() => translate({ messages: [user([{ type: 'image', source: { type: 'file', file_id: 'f1' } }])] })).param).toBe('messages.0.content.0');
    expect(badRequest(() => translate({ messages: [user([{ type: 'text', text: 'x' }, { type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }])] })).param).toBe('messages.0.content.1');
  });

  it('rewrites tool ids over 40 chars the same way in tool_calls and tool messages', () => {
    const long = `toolu_${'A'.repeat(50)}`;
    const out = translate({
      messages: [assistant([{ type: 'tool_use', id: long, name: 'f', input: {} }]), user([{ type: 'tool_result', tool_use_id: long, content: 'ok' }])],
    });
    const id = out.messages[0].tool_calls[0].id;
    expect(id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(out.messages[1].tool_call_id).toBe(id);
  });
});

describe('Anthropic request → OpenAI: tools', () => {
  const tool = { name: 'search', description: 'Search', input_schema: { type: 'object', properties: { q: { type: 'string' } } } };

  it('maps tools to functions', () => {
    const out = translate({ messages: [user('x')], tools: [tool, { name: 'bare', input_schema: { type: 'object' } }] });
    expect(out.tools).toEqual([
      { type: 'function', function: { name: 'search', description: 'Search', parameters: tool.input_schema } },
      { type: 'function', function: { name: 'bare', parameters: { type: 'object' } } },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto', undefined],
    [{ type: 'any' }, 'required', undefined],
    [{ type: 'none' }, 'none', undefined],
    [{ type: 'tool', name: 'search' }, { type: 'function', function: { name: 'search' } }, undefined],
    [{ type: 'auto', disable_parallel_tool_use: true }, 'auto', false],
    [{ type: 'any', disable_parallel_tool_use: true }, 'required', false],
    [{ type: 'tool', name: 'search', disable_parallel_tool_use: true }, { type: 'function', function: { name: 'search' } }, false],
  ])('tool_choice %j → %j, parallel_tool_calls %j', (choice, expected, parallel) => {
    const out = translate({ messages: [user('x')], tools: [tool], tool_choice: choice });
    expect(out.tool_choice).toEqual(expected);
    expect(out.parallel_tool_calls).toBe(parallel);
  });

  it('rejects server tools, which have no schema, with a 400 naming the tool', () => {
    const err = badRequest(() => translate({ messages: [user('x')], tools: [tool, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] }));
    expect(err.param).toBe('tools.1');
    expect(err.message).toMatch(/web_search/);
  });

  it('shortens names over 64 chars in tools, tool_choice and history, remembering the original', () => {
    const long = `mcp__${'server'.repeat(8)}__${'tool'.repeat(10)}`;
    const ctx = createContext('anthropic', {}, 'gpt-x');
    const out = translate(
      {
        messages: [user('x'), assistant([{ type: 'tool_use', id: 'toolu_1', name: long, input: {} }]), user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }])],
        tools: [{ name: long, input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: long },
      },
      ctx,
    );
    const short = out.tools[0].function.name;
    expect(short.length).toBe(64);
    expect(out.tool_choice.function.name).toBe(short);
    expect(out.messages[1].tool_calls[0].function.name).toBe(short);
    expect(ctx.toolNames.get(short)).toBe(long);
  });
});

describe('Anthropic request → OpenAI: options', () => {
  it('sends max_completion_tokens, never max_tokens', () => {
    const out = translate({ messages: [user('x')], max_tokens: 2048 });
    expect(out.max_completion_tokens).toBe(2048);
    expect(out).not.toHaveProperty('max_tokens');
  });

  it('asks the OpenAI upstream for usage when the client streams', () => {
    expect(translate({ messages: [user('x')], stream: true }).stream_options).toEqual({ include_usage: true });
    expect(translate({ messages: [user('x')], stream: false })).not.toHaveProperty('stream_options');
  });

  it('passes temperature and top_p, drops top_k', () => {
    const out = translate({ messages: [user('x')], temperature: 0.4, top_p: 0.8, top_k: 40 });
    expect(out).toMatchObject({ temperature: 0.4, top_p: 0.8 });
    expect(out).not.toHaveProperty('top_k');
  });

  it('maps stop_sequences to stop, at most 4', () => {
    expect(translate({ messages: [user('x')], stop_sequences: ['a', 'b', 'c', 'd', 'e'] }).stop).toEqual(['a', 'b', 'c', 'd']);
    expect(translate({ messages: [user('x')], stop_sequences: [] })).not.toHaveProperty('stop');
  });

  it.each([
    [1024, 'low'],
    [1025, 'medium'],
    [8192, 'medium'],
    [8193, 'high'],
    [32000, 'high'],
  ])('thinking budget %d → reasoning_effort %s', (budget, effort) => {
    expect(translate({ messages: [user('x')], max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: budget } }, reasoner).reasoning_effort).toBe(effort);
  });

  it('maps adaptive thinking by its effort; disabled thinking sends nothing', () => {
    expect(translate({ messages: [user('x')], thinking: { type: 'adaptive' } }, reasoner).reasoning_effort).toBe('high');
    expect(translate({ messages: [user('x')], thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }, reasoner).reasoning_effort).toBe('low');
    expect(translate({ messages: [user('x')], thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }, reasoner).reasoning_effort).toBe('high');
    expect(translate({ messages: [user('x')], thinking: { type: 'disabled' } }, reasoner)).not.toHaveProperty('reasoning_effort');
  });

  it("sends reasoning_effort only to a model that takes it: the model's flag, else its id's family", () => {
    const thinking = { messages: [user('x')], max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 2048 } };
    const effortFor = (model: string, reasoning?: boolean) => translate(thinking, createContext('anthropic', thinking, model, 4096, reasoning)).reasoning_effort;
    // unknown: by the family of the id
    expect(effortFor('o3-mini')).toBe('medium');
    expect(effortFor('gpt-4o-mini')).toBeUndefined();
    // the flag wins both ways; false is also how the pipeline leaves the field out after a refusal
    expect(effortFor('my-local-reasoner', true)).toBe('medium');
    expect(effortFor('o3-mini', false)).toBeUndefined();
    // the rest of the request is the same either way
    expect(translate(thinking, createContext('anthropic', thinking, 'gpt-4o-mini'))).toEqual({ model: 'claude-x', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 8000 });
  });

  it('maps output_config.format to response_format json_schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(translate({ messages: [user('x')], output_config: { format: { type: 'json_schema', schema } } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema },
    });
  });

  it('maps metadata.user_id to user', () => {
    expect(translate({ messages: [user('x')], metadata: { user_id: 'u-9' } }).user).toBe('u-9');
    expect(translate({ messages: [user('x')], metadata: {} })).not.toHaveProperty('user');
  });

  it('does not carry Anthropic-only fields', () => {
    const out = translate({ messages: [user('x')], top_k: 5, service_tier: 'auto', container: 'c' });
    expect(Object.keys(out).sort()).toEqual(['max_completion_tokens', 'messages', 'model']);
  });

  it('never mutates the client body', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 100,
      stream: true,
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }],
      messages: [
        assistant([{ type: 'tool_use', id: `toolu_${'x'.repeat(40)}`, name: 'f', input: { a: 1 } }]),
        user([{ type: 'tool_result', tool_use_id: `toolu_${'x'.repeat(40)}`, content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }]),
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      stop_sequences: ['1', '2', '3', '4', '5'],
    };
    const copy = structuredClone(body);
    translate(body);
    expect(body).toEqual(copy);
  });
});

describe('takesReasoningEffort', () => {
  it.each(['o1', 'o1-2024-12-17', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.1', 'gpt-oss-120b', 'openai/gpt-oss-20b', 'gemini-2.5-pro', 'models/gemini-2.5-flash', 'gemini-3-pro-preview', 'O3-MINI'])(
    'unknown %s: a reasoning family',
    (id) => expect(takesReasoningEffort(id, undefined)).toBe(true),
  );

  it.each(['gpt-4o-mini', 'gpt-4.1', 'o1-mini', 'o1-preview', 'gpt-5-chat-latest', 'gemini-2.0-flash', 'llama3.2', 'qwen3-32b', 'grok-3-mini', 'deepseek-chat', 'o30', 'claude-sonnet-4-5'])(
    'unknown %s: not sent',
    (id) => expect(takesReasoningEffort(id, undefined)).toBe(false),
  );

  it('follows the flag when known', () => {
    expect(takesReasoningEffort('gpt-4o-mini', true)).toBe(true);
    expect(takesReasoningEffort('o3', false)).toBe(false);
  });
});

describe('refusedReasoningEffort', () => {
  it('recognises a 400 or 422 about the reasoning field', () => {
    expect(refusedReasoningEffort(400, "Unsupported parameter: 'reasoning_effort' is not supported with this model.")).toBe(true);
    expect(refusedReasoningEffort(400, 'Unrecognized request argument supplied: reasoning_effort')).toBe(true);
    expect(refusedReasoningEffort(422, 'body.reasoning_effort: Extra inputs are not permitted')).toBe(true);
    expect(refusedReasoningEffort(400, 'This model does not support reasoning')).toBe(true);
  });

  it('ignores other refusals', () => {
    expect(refusedReasoningEffort(400, 'max_tokens is too large')).toBe(false);
    expect(refusedReasoningEffort(500, 'reasoning_effort crashed the server')).toBe(false);
    expect(refusedReasoningEffort(429, 'rate limited')).toBe(false);
  });
});

describe('parseAnthropicRequest', () => {
  it('names the first offending field', () => {
    expect(badRequest(() => parseAnthropicRequest({ model: 'm', messages: [user([{ type: 'text' }])] })).param).toBe('messages.0.content.0.text');
    expect(badRequest(() => parseAnthropicRequest({ model: 'm', messages: [user([{ type: 'video' }])] })).param).toBe('messages.0.content.0.type');
    expect(badRequest(() => parseAnthropicRequest({ model: 'm', messages: 'hi' })).param).toBe('messages');
    expect(badRequest(() => parseAnthropicRequest({ model: 'm', messages: [], tool_choice: { type: 'tool' } })).param).toBe('tool_choice.name');
  });

  it('lets unknown fields through and returns the body itself', () => {
    const body = { model: 'm', messages: [user('x')], anthropic_future_flag: 1 };
    expect(parseAnthropicRequest(body)).toBe(body);
  });
});
