/**
 * Translation edge cases end to end (issue 17, items 14–17): the official SDKs
 * as callers, real local upstreams that refuse what the real services refuse.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const sse = (chunks: object[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
const chunk = (delta: object, finish: string | null = null) => ({ id: 'chatcmpl-relay', object: 'chat.completion.chunk', created: 1, model: 'gemini-relay', choices: [{ index: 0, delta, finish_reason: finish }] });

/** Two parallel calls, both at index 0 with their own ids, as Gemini-compatible relays stream them. */
const RELAY_STREAM = sse([
  chunk({ role: 'assistant', content: '' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }),
  chunk({ tool_calls: [{ index: 0, id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }),
  chunk({}, 'tool_calls'),
  { id: 'chatcmpl-relay', object: 'chat.completion.chunk', created: 1, model: 'gemini-relay', choices: [], usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 } },
]);

/** What OpenAI answers a model that takes no reasoning_effort. */
const NO_REASONING = "Unsupported parameter: 'reasoning_effort' is not supported with this model.";

function openaiUpstream(r: Recorded): MockReply {
  if (r.body.model === 'gemini-relay') return { raw: { contentType: 'text/event-stream', body: RELAY_STREAM } };
  if (r.body.model === 'gpt-4o-mini' && 'reasoning_effort' in r.body) return { status: 400, errorMessage: NO_REASONING };
  return { text: 'Answered.' };
}

/** Refuses what the Messages API refuses: no messages, a thinking budget under 1024 or not below max_tokens. */
function anthropicUpstream(r: Recorded): MockReply {
  const { messages, thinking, max_tokens } = r.body;
  if (!messages?.length) return { status: 400, errorMessage: 'messages: at least one message is required' };
  if (thinking && (thinking.budget_tokens < 1024 || thinking.budget_tokens >= max_tokens)) return { status: 400, errorMessage: 'thinking.budget_tokens: must be ≥ 1024 and less than max_tokens' };
  return { text: 'Answered.' };
}

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gemini-relay', 'gpt-4o-mini', 'o3-mini'], reply: openaiUpstream });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-sonnet-4-5'], reply: anthropicUpstream });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

const openai = () => new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
const weatherTool: Anthropic.Tool = { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('reasoning_effort → Anthropic thinking leaves the answer room (item 14)', () => {
  it('raises max_tokens above the budget when the client gave none', async () => {
    const res = await openai().chat.completions.create({ model: 'claude-sonnet-4-5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'Think, then answer.' }] });
    expect(res.choices[0]!.message.content).toBe('Answered.');
    const { max_tokens, thinking } = an.chats().at(-1)!.body;
    expect(thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(max_tokens - thinking.budget_tokens).toBeGreaterThanOrEqual(4096);
  });

  it("caps the budget within the client's max_tokens so the answer keeps 1024 tokens", async () => {
    await openai().chat.completions.create({ model: 'claude-sonnet-4-5', reasoning_effort: 'high', max_completion_tokens: 3000, messages: [{ role: 'user', content: 'Think, then answer.' }] });
    const { max_tokens, thinking } = an.chats().at(-1)!.body;
    expect(max_tokens).toBe(3000);
    expect(thinking).toEqual({ type: 'enabled', budget_tokens: 3000 - 1024 });
  });
});

describe('parallel tool calls streamed at one index (item 15)', () => {
  it('gives the Anthropic SDK two tool_use blocks with their own inputs', async () => {
    const stream = anthropic().messages.stream({ model: 'gemini-relay', max_tokens: 500, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }] });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    const calls = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(calls.map((b) => [b.id, b.name, b.input])).toEqual([
      ['call_paris', 'get_weather', { city: 'Paris' }],
      ['call_rome', 'get_weather', { city: 'Rome' }],
    ]);
  });
});

describe('an OpenAI request of only system messages for an Anthropic model (item 16)', () => {
  it('is answered, the instructions sent once, as the user turn', async () => {
    const res = await openai().chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: 'Write a haiku about rain.' }] });
    expect(res.choices[0]!.message.content).toBe('Answered.');
    const body = an.chats().at(-1)!.body;
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Write a haiku about rain.' }] }]);
    expect(body).not.toHaveProperty('system');
  });

  it('is refused with a 400 naming messages when every message is empty', async () => {
    const before = an.chats().length;
    const err = await openai()
      .chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: '' }, { role: 'user', content: '' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
    expect(an.chats().length).toBe(before);
  });
});

describe('Anthropic thinking → reasoning_effort only for models that take it (item 17)', () => {
  const ask = (model: string, thinking: Anthropic.ThinkingConfigParam) =>
    anthropic().messages.stream({ model, max_tokens: 8000, thinking, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();

  it('answers a non-reasoning OpenAI model, sending it no reasoning_effort', async () => {
    const message = await ask('gpt-4o-mini', { type: 'enabled', budget_tokens: 2048 });
    expect(message.content).toEqual([{ type: 'text', text: 'Answered.' }]);
    expect(oa.chats().at(-1)!.body).not.toHaveProperty('reasoning_effort');
  });

  it('still sends it to a reasoning model', async () => {
    await ask('o3-mini', { type: 'enabled', budget_tokens: 2048 });
    expect(oa.chats().at(-1)!.body.reasoning_effort).toBe('medium');
  });

  it("carries a configured model's reasoning flag into its model entry", async () => {
    const p = await startProxy({ providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k', models: ['plain', { id: 'local-reasoner', reasoning: true }, { id: 'o3-mini', reasoning: false }] }] });
    try {
      expect(await p.proxy.providers[0]!.listModels()).toEqual([{ id: 'plain' }, { id: 'local-reasoner', reasoning: true }, { id: 'o3-mini', reasoning: false }]);
    } finally {
      await p.close();
    }
  });
});
