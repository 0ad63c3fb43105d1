import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@ones-proxy/core';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/scripted-upstream.js';

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

/** Each answer says which turn it answers, so a later turn's upstream request shows what was stored. */
const reply = (r: Recorded): MockReply => {
  const text = JSON.stringify(r.body);
  if (text.includes('#fail')) return { status: 500 };
  if (text.includes('#cut')) return { text: 'partial answer that is cut', truncateAfter: 3 };
  if (text.includes('#slow')) return { text: 'a slow answer in many pieces '.repeat(20), frameDelayMs: 20 };
  if (text.includes('#tool') && !text.includes('tool-output-42')) return { toolCalls: [{ id: 'call_weather1', name: 'weather', arguments: '{"city":"Paris"}' }] };
  if (text.includes('#think')) return { reasoning: 'let me think', text: 'thought answer' };
  const last = (r.body?.messages as { content: unknown }[]).at(-1)!.content;
  const words = typeof last === 'string' ? last : (last as { text?: string }[]).map((b) => b.text ?? '').join('');
  return { text: `answer to ${words}` };
};

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-s'], reply });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-s'], reply });
  px = await startProxy({
    router: { cooldownSeconds: 0 },
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k-an-000000' },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

type Route = 'openai' | 'anthropic';
const openai = (key = 'client-a') => new OpenAI({ baseURL: px.url + '/v1', apiKey: key, maxRetries: 0 });
const anthropic = (key = 'client-a') => new Anthropic({ baseURL: px.url, apiKey: key, maxRetries: 0 });
let n = 0;
const sid = () => `s-${process.pid}-${++n}`;

/** One user turn on a route; the answer's text. */
async function turn(route: Route, model: string, session: string, content: string, stream = false, key = 'client-a'): Promise<string> {
  const extra = { session_id: session } as object;
  if (route === 'openai') {
    const body = { model, messages: [{ role: 'user' as const, content }], ...extra };
    if (!stream) return (await openai(key).chat.completions.create(body)).choices[0]!.message.content ?? '';
    let text = '';
    for await (const c of await openai(key).chat.completions.create({ ...body, stream: true })) text += c.choices[0]?.delta.content ?? '';
    return text;
  }
  const body = { model, max_tokens: 100, messages: [{ role: 'user' as const, content }], ...extra };
  const msg = stream ? await anthropic(key).messages.stream(body).finalMessage() : await anthropic(key).messages.create(body);
  return msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

const lastChat = (m: MockUpstream) => m.chats().at(-1)!;
const sentText = (m: MockUpstream) => JSON.stringify(lastChat(m).body.messages);
const history = async (id: string, key = 'client-a') => {
  const r = await fetch(`${px.url}/api/v1/session/${id}`, { headers: { authorization: `Bearer ${key}` } });
  return r.status === 200 ? ((await r.json()) as { messages: { role: string; content: { type: string; text?: string }[] }[] }).messages : [];
};

describe('turn 2 sees turn 1: every client protocol × upstream protocol, stream and not', () => {
  for (const route of ['openai', 'anthropic'] as const)
    for (const [model, mock] of [['gpt-s', () => oa], ['claude-s', () => an]] as const)
      for (const stream of [false, true])
        it(`${route} client → ${model}, stream ${stream}`, async () => {
          const s = sid();
          const first = await turn(route, model, s, 'my name is Ada', stream);
          expect(first).toBe('answer to my name is Ada');
          await turn(route, model, s, 'what is my name?', stream);
          const sent = sentText(mock());
          expect(sent).toContain('my name is Ada');
          expect(sent).toContain('answer to my name is Ada');
          expect(sent.indexOf('my name is Ada')).toBeLessThan(sent.indexOf('what is my name?'));
          // the upstream never sees the session fields
          expect(JSON.stringify(lastChat(mock()).body)).not.toContain(s);
          expect((await history(s)).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
        });
});

describe('one conversation across protocols', () => {
  it('begun on the OpenAI route, continued on the Anthropic route, and back', async () => {
    const s = sid();
    await turn('openai', 'gpt-s', s, 'first on openai');
    await turn('anthropic', 'claude-s', s, 'second on anthropic', true);
    expect(sentText(an)).toContain('first on openai');
    await turn('openai', 'claude-s', s, 'third on openai');
    const sent = sentText(an);
    for (const t of ['first on openai', 'answer to first on openai', 'second on anthropic', 'answer to second on anthropic', 'third on openai']) expect(sent).toContain(t);
  });

  it('the system prompt is the request\'s own: kept first, never stored', async () => {
    const s = sid();
    await openai().chat.completions.create({ model: 'gpt-s', session_id: s, messages: [{ role: 'system', content: 'SYSTEM-ONE' }, { role: 'user', content: 'hi' }] } as never);
    await openai().chat.completions.create({ model: 'gpt-s', session_id: s, messages: [{ role: 'system', content: 'SYSTEM-TWO' }, { role: 'user', content: 'again' }] } as never);
    const messages = lastChat(oa).body.messages as { role: string; content: string }[];
    expect(messages[0]).toEqual({ role: 'system', content: 'SYSTEM-TWO' });
    expect(JSON.stringify(messages)).not.toContain('SYSTEM-ONE');
    expect(JSON.stringify(await history(s))).not.toContain('SYSTEM');
  });
});

describe('tools and thinking inside a session', () => {
  it('a tool call answered in one request, its result sent alone in the next: the upstream sees call and result together', async () => {
    for (const [route, model, mock] of [['openai', 'claude-s', an], ['anthropic', 'gpt-s', oa], ['openai', 'gpt-s', oa]] as const) {
      const s = sid();
      if (route === 'openai') {
        const first = await openai().chat.completions.create({ model, session_id: s, messages: [{ role: 'user', content: 'weather? #tool' }], tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }] } as never);
        const call = first.choices[0]!.message.tool_calls![0]!;
        const second = await openai().chat.completions.create({ model, session_id: s, messages: [{ role: 'tool', tool_call_id: call.id, content: 'tool-output-42' }], tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }] } as never);
        expect(second.choices[0]!.message.content).toMatch(/^answer to/);
      } else {
        const tools = [{ name: 'weather', input_schema: { type: 'object' as const, properties: {} } }];
        const first = await anthropic().messages.create({ model, max_tokens: 50, session_id: s, tools, messages: [{ role: 'user', content: 'weather? #tool' }] } as never);
        const use = (first as Anthropic.Message).content.find((b) => b.type === 'tool_use')!;
        const second = await anthropic().messages.create({ model, max_tokens: 50, session_id: s, tools, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'tool-output-42' }] }] } as never);
        expect((second as Anthropic.Message).content[0]).toMatchObject({ type: 'text' });
      }
      const sent = sentText(mock);
      expect(sent).toContain('weather? #tool');
      expect(sent).toContain('Paris');
      expect(sent).toContain('tool-output-42');
    }
  });

  it('thinking with its signature reaches the next Anthropic turn', async () => {
    const s = sid();
    await turn('anthropic', 'claude-s', s, 'ponder #think', true);
    await turn('anthropic', 'claude-s', s, 'and then?');
    const assistant = (lastChat(an).body.messages as { role: string; content: { type: string; signature?: string }[] }[]).find((m) => m.role === 'assistant')!;
    expect(assistant.content[0]).toMatchObject({ type: 'thinking', thinking: 'let me think', signature: 'sig-mock' });
  });
});

describe('which session', () => {
  it('x-session-id header and user_id name a session too; the answer says which', async () => {
    const s = sid();
    const a = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-a', 'x-session-id': s }, body: JSON.stringify({ model: 'gpt-s', messages: [{ role: 'user', content: 'by header' }] }) });
    expect(a.headers.get('x-ones-session')).toBe(s);
    await a.text();
    await turn('openai', 'gpt-s', s, 'again');
    expect(sentText(oa)).toContain('by header');
    const u = await fetch(px.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-s', max_tokens: 9, user_id: `u${n}`, messages: [{ role: 'user', content: 'as a user' }] }) });
    expect(u.headers.get('x-ones-session')).toBe(`user_u${n}`);
    expect(JSON.stringify(lastChat(an).body)).not.toContain('user_id');
  });

  it('no session: nothing stored, no header', async () => {
    const r = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-s', messages: [{ role: 'user', content: 'anonymous' }] }) });
    expect(r.headers.get('x-ones-session')).toBeNull();
    await r.text();
  });

  it('bad ids are a 400 naming the field, before any upstream call', async () => {
    const before = oa.chats().length;
    for (const [body, headers, field] of [
      [{ session_id: 'a b' }, {}, 'session_id'],
      [{ session_id: 'x'.repeat(257) }, {}, 'session_id'],
      [{ session_id: 42 }, {}, 'session_id'],
      [{}, { 'x-session-id': 'bad/id' }, 'x-session-id'],
      [{ user_id: '' }, {}, 'user_id'],
    ] as const) {
      const r = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'gpt-s', messages: [{ role: 'user', content: 'x' }], ...body }) });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { param: string } }).error.param).toBe(field);
    }
    expect(oa.chats().length).toBe(before);
  });

  it('sessions are isolated by id, and (without TOKEN) by the client\'s credential', async () => {
    const s = sid();
    await turn('openai', 'gpt-s', s, 'secret of client a', false, 'client-a');
    await turn('openai', 'gpt-s', s, 'who are you', false, 'client-b');
    expect(sentText(oa)).not.toContain('secret of client a');
    await turn('openai', 'gpt-s', `${s}-other`, 'another id', false, 'client-a');
    expect(sentText(oa)).not.toContain('secret of client a');
    expect(await history(s, 'client-b')).toHaveLength(2);
    expect(await history(s, 'client-a')).toHaveLength(2);
  });
});

describe('nothing is written for an answer that did not complete', () => {
  it('an upstream failure before the first byte, a stream cut after it, a client that left', async () => {
    const s = sid();
    await turn('openai', 'gpt-s', s, 'kept turn');
    const failed = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-s', session_id: s, messages: [{ role: 'user', content: 'x #fail' }] }) });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const cut = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-s', stream: true, session_id: s, messages: [{ role: 'user', content: 'x #cut' }] }) });
    expect(await cut.text()).toContain('error');
    const ac = new AbortController();
    const aborted = await fetch(px.url + '/v1/messages', { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-s', max_tokens: 9, stream: true, session_id: s, messages: [{ role: 'user', content: 'x #slow' }] }) });
    const reader = aborted.body!.getReader();
    await reader.read();
    ac.abort();
    await sleep(200);
    const stored = await history(s);
    expect(stored.map((m) => m.content.map((p) => p.text).join(''))).toEqual(['kept turn', 'answer to kept turn']);
  });
});

describe('clear, caps, parallel turns', () => {
  it('POST /api/v1/session/clear forgets it; a missing or bad id is a 400', async () => {
    const s = sid();
    await turn('openai', 'gpt-s', s, 'to forget');
    const r = await fetch(px.url + '/api/v1/session/clear', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-a' }, body: JSON.stringify({ session_id: s }) });
    expect(await r.json()).toEqual({ status: 'success', message: `Session ${s} cleared` });
    expect(await history(s)).toEqual([]);
    expect((await fetch(`${px.url}/api/v1/session/${s}`, { headers: { authorization: 'Bearer client-a' } })).status).toBe(404);
    for (const body of [{}, { session_id: 'no spaces allowed' }]) {
      const bad = await fetch(px.url + '/api/v1/session/clear', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(bad.status).toBe(400);
    }
  });

  it('20 parallel turns on one session: each lands whole', async () => {
    const s = sid();
    await Promise.all(Array.from({ length: 20 }, (_, i) => turn(i % 2 ? 'openai' : 'anthropic', i % 3 ? 'gpt-s' : 'claude-s', s, `parallel ${i}`, i % 4 === 0)));
    const stored = await history(s);
    expect(stored).toHaveLength(40);
    for (let i = 0; i < 40; i += 2) {
      const q = stored[i]!.content[0]!.text!;
      expect(stored[i]!.role).toBe('user');
      expect(stored[i + 1]!.content.map((p) => p.text).join('')).toBe(`answer to ${q}`);
    }
    expect(new Set(stored.filter((m) => m.role === 'user').map((m) => m.content[0]!.text)).size).toBe(20);
  });

  it('a session keeps its newest messages within the caps, never starting on an answer or a tool result', async () => {
    const p = await startProxy({ session: { maxMessages: 5, maxBytes: 100_000 }, providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' }] });
    try {
      const c = new OpenAI({ baseURL: p.url + '/v1', apiKey: 'x', maxRetries: 0 });
      for (let i = 0; i < 4; i++) await c.chat.completions.create({ model: 'gpt-s', session_id: 'capped', messages: [{ role: 'user', content: `turn ${i}` }] } as never);
      const stored = ((await (await fetch(p.url + '/api/v1/session/capped', { headers: { authorization: 'Bearer x' } })).json()) as { messages: { role: string; content: { text: string }[] }[] }).messages;
      // 8 messages capped at 5 → the oldest go, and the 5th would start on an answer: 4 left
      expect(stored.map((m) => m.content[0]!.text)).toEqual(['turn 2', 'answer to turn 2', 'turn 3', 'answer to turn 3']);
      const big = 'b'.repeat(30_000);
      for (let i = 0; i < 4; i++) await c.chat.completions.create({ model: 'gpt-s', session_id: 'bytes', messages: [{ role: 'user', content: `${i}${big}` }] } as never);
      const bytes = ((await (await fetch(p.url + '/api/v1/session/bytes', { headers: { authorization: 'Bearer x' } })).json()) as { messages: unknown[] }).messages;
      expect(JSON.stringify(bytes).length).toBeLessThanOrEqual(100_000);
      expect(bytes.length).toBeGreaterThanOrEqual(2);
    } finally {
      await p.close();
    }
  });

  it('the memory store is bounded as a whole and sessions expire after their timeout', async () => {
    let now = 1_000_000;
    const store = new MemorySessionStore({ ttlMs: 60_000, maxSessions: 3, now: () => now });
    const limits = { maxMessages: 100, maxBytes: 1 << 20 };
    const msg = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] });
    for (const k of ['a', 'b', 'c', 'd']) await store.append(k, [msg(k)], limits);
    expect(await store.size()).toBe(3);
    expect(await store.get('a')).toEqual([]); // least recently used, evicted
    now += 59_000;
    expect(await store.get('b')).toHaveLength(1); // used: its clock starts again
    now += 2_000;
    expect(await store.get('c')).toEqual([]); // 61 s since last use
    expect(await store.get('b')).toHaveLength(1);
    await store.close();
    const byBytes = new MemorySessionStore({ ttlMs: 60_000, maxBytes: 2_000 });
    for (let i = 0; i < 10; i++) await byBytes.append(`k${i}`, [msg('x'.repeat(500))], limits);
    expect(await byBytes.size()).toBeLessThanOrEqual(3);
    await byBytes.close();
  });

  it('a request with an expired session starts afresh', async () => {
    const p = await startProxy({ session: { timeoutSeconds: 0.3 }, providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' }] });
    try {
      const c = new OpenAI({ baseURL: p.url + '/v1', apiKey: 'x', maxRetries: 0 });
      await c.chat.completions.create({ model: 'gpt-s', session_id: 'short', messages: [{ role: 'user', content: 'soon gone' }] } as never);
      await sleep(400);
      await c.chat.completions.create({ model: 'gpt-s', session_id: 'short', messages: [{ role: 'user', content: 'later' }] } as never);
      expect(sentText(oa)).not.toContain('soon gone');
    } finally {
      await p.close();
    }
  });
});
