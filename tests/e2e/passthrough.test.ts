import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-mock'], reply: () => ({ text: 'Hi from OpenAI upstream, streamed in pieces.' }) });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-mock'], reply: () => ({ text: 'Hi from Anthropic upstream, in pieces too.' }) });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'sk-upstream-openai' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'sk-upstream-anthropic' },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

describe.each(['/v1', '/api/v1'])('OpenAI SDK at %s → OpenAI upstream', (prefix) => {
  const client = () => new OpenAI({ baseURL: px.url + prefix, apiKey: 'client-key', maxRetries: 0 });

  it('answers non-streamed with the upstream answer, byte for byte', async () => {
    const before = oa.chats().length;
    const res = await client().chat.completions.create({ model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).toBe('Hi from OpenAI upstream, streamed in pieces.');
    expect(res.id).toBe('chatcmpl-mock');
    const seen = oa.chats().at(-1)!;
    expect(oa.chats().length).toBe(before + 1);
    expect(seen.headers.authorization).toBe('Bearer sk-upstream-openai');
    expect(seen.body).toEqual({ model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streams', async () => {
    const stream = client().chat.completions.stream({ model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    const final = await stream.finalChatCompletion();
    expect(text).toBe('Hi from OpenAI upstream, streamed in pieces.');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.total_tokens).toBe(18);
  });

  it('lists models with auto first', async () => {
    const list = await client().models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids[0]).toBe('auto');
    expect(ids).toEqual(expect.arrayContaining(['gpt-mock', 'claude-mock']));
    expect(list.data.find((m) => m.id === 'gpt-mock')!.owned_by).toBe('oa');
  });
});

describe.each(['', '/api'])('Anthropic SDK at base %s → Anthropic upstream', (prefix) => {
  const client = () => new Anthropic({ baseURL: px.url + prefix, apiKey: 'client-key', maxRetries: 0 });

  it('answers non-streamed', async () => {
    const msg = await client().messages.create({ model: 'claude-mock', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hi from Anthropic upstream, in pieces too.' }]);
    const seen = an.chats().at(-1)!;
    expect(seen.headers['x-api-key']).toBe('sk-upstream-anthropic');
    expect(seen.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/); // the client's own version is forwarded
  });

  it('streams, in order, through the SDK helper', async () => {
    const msg = await client().messages.stream({ model: 'claude-mock', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Hi from Anthropic upstream, in pieces too.' });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(7);
  });

  it('works with the beta path (?beta=true) and forwards anthropic-beta', async () => {
    const msg = await client().beta.messages.create({ model: 'claude-mock', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], betas: ['test-beta-2025'] });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(an.chats().at(-1)!.headers['anthropic-beta']).toBe('test-beta-2025');
  });

  it('counts tokens through the Anthropic upstream', async () => {
    const r = await client().messages.countTokens({ model: 'claude-mock', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.input_tokens).toBe(42);
  });
});

describe('count_tokens without an Anthropic upstream', () => {
  it('estimates', async () => {
    const client = new Anthropic({ baseURL: px.url, apiKey: 'k', maxRetries: 0 });
    const r = await client.messages.countTokens({ model: 'gpt-mock', messages: [{ role: 'user', content: 'hello there, how are you doing today? '.repeat(10) }] });
    expect(r.input_tokens).toBeGreaterThan(50);
    expect(r.input_tokens).toBeLessThan(200);
  });
});

describe('plain HTTP surface', () => {
  it('GET /health is ok and / is a page', async () => {
    const h = await fetch(px.url + '/health');
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok' });
    const home = await fetch(px.url + '/');
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(await home.text()).toContain('/v1/chat/completions');
  });

  it('`auto` is answered by an available model and says which', async () => {
    const r = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ones-model')).toBeTruthy();
    expect(r.headers.get('x-ones-attempts')).toBe('1');
  });

  it('`provider/model` selects that provider', async () => {
    const r = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'oa/gpt-mock', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ones-provider')).toBe('oa');
    expect(oa.chats().at(-1)!.body.model).toBe('gpt-mock');
  });
});
