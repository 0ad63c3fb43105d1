import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ProxyOptions } from '@ones-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream } from '../helpers/mock-upstream.js';
import { deadPort as findDeadPort, hangingServer } from '../helpers/dead-ends.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

// Every scenario runs real upstreams (node:http mocks) that fail on purpose, behind a real proxy.

const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const x of open.reverse()) await x.close();
});

async function upstream(opts: Parameters<typeof startMockUpstream>[0]): Promise<MockUpstream> {
  const m = await startMockUpstream(opts);
  open.push(m);
  return m;
}

async function proxy(options: ProxyOptions): Promise<RunningProxy> {
  const p = await startProxy(options);
  open.push(p);
  return p;
}

/** An upstream whose models fail with `down`'s status while they are in it. */
async function switchable(protocol: 'openai' | 'anthropic', models: string[], extra: (model: string) => MockReply = () => ({})) {
  const down = new Map<string, number>();
  const mock = await upstream({
    protocol,
    models,
    reply: (r) => {
      const status = down.get(r.body?.model);
      return status ? { status } : { text: `answer from ${r.body?.model}`, ...extra(r.body?.model) };
    },
  });
  return { mock, down };
}

interface Answer {
  status: number;
  /** x-ones-model */
  model: string | null;
  attempts: number;
  headers: Headers;
  text: string;
  json: any;
}

async function ask(px: RunningProxy, model: string, o: { stream?: boolean; headers?: Record<string, string>; messages?: unknown[] } = {}): Promise<Answer> {
  const r = await fetch(`${px.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...o.headers },
    body: JSON.stringify({ model, messages: o.messages ?? [{ role: 'user', content: 'hi' }], ...(o.stream ? { stream: true } : {}) }),
  });
  const text = await r.text();
  return { status: r.status, model: r.headers.get('x-ones-model'), attempts: Number(r.headers.get('x-ones-attempts')), headers: r.headers, text, json: o.stream ? null : JSON.parse(text) };
}

const calls = (m: MockUpstream, model: string) => m.chats().filter((c) => c.body?.model === model).length;

async function stats(px: RunningProxy, headers: Record<string, string> = {}): Promise<any[]> {
  const r = await fetch(`${px.url}/api/v1/stats`, { headers });
  expect(r.status).toBe(200);
  return ((await r.json()) as any).data;
}

const row = (rows: any[], id: string) => rows.find((r) => r.id === id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sleeps until the model's cooldown is over, by the proxy's own record of when it ends (not by a time taken
 * before the failing request: the failure is recorded later, after however long that request took).
 */
async function sleepPastCooldown(px: RunningProxy, id: string) {
  const until = Date.parse(row(await stats(px), id).cooling_until);
  expect(until, `${id} is cooling down`).toBeGreaterThan(Date.now());
  await sleep(until + 50 - Date.now());
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 4000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let deadPort: number;
let hang: Server;
beforeAll(async () => {
  // a port with nothing listening, and a server that never answers
  deadPort = await findDeadPort();
  hang = await hangingServer();
  open.push({ close: async () => (hang.closeAllConnections(), void hang.close()) });
});

describe('a failing fixed model answers 200 from another model', () => {
  const failsWith = async (status: number) => (await upstream({ protocol: 'openai', models: ['m-bad'], reply: () => ({ status }) })).baseURL;
  /** how the failing provider is reached, and its extra options */
  const kinds: [string, () => Promise<string>, object][] = [
    ['500', () => failsWith(500), {}],
    ['429', () => failsWith(429), {}],
    ['connect error', async () => `http://127.0.0.1:${deadPort}/v1`, { models: ['m-bad'] }],
    ['first-byte timeout', async () => `http://127.0.0.1:${(hang.address() as AddressInfo).port}/v1`, { models: ['m-bad'], timeouts: { firstByteMs: 300 } }],
  ];

  it.each(kinds)('%s: answered by the next candidate, recorded once, then cooled down', async (_, baseURL, extra) => {
    const model = 'm-bad';
    const good = await upstream({ protocol: 'openai', models: ['m-good'], reply: () => ({ text: 'fine' }) });
    const px = await proxy({
      providers: [
        { name: 'bad', type: 'openai', baseURL: await baseURL(), apiKey: 'k', ...extra },
        { name: 'good', type: 'openai', baseURL: good.baseURL, apiKey: 'k' },
      ],
    });

    const a = await ask(px, model);
    expect(a.status).toBe(200);
    expect([a.model, a.attempts, a.json.model]).toEqual(['m-good', 2, 'm-good']);
    expect(a.headers.get('x-ones-provider')).toBe('good');

    // cooling down: the next request goes straight to the other model
    const b = await ask(px, model);
    expect([b.status, b.model, b.attempts]).toEqual([200, 'm-good', 1]);

    const rows = await stats(px);
    expect(row(rows, `bad/${model}`)).toMatchObject({ calls: 1, failures: 1, success_rate: 0, cooling_until: expect.any(String) });
    expect(row(rows, 'good/m-good')).toMatchObject({ calls: 2, successes: 2, failures: 0, success_rate: 1, latency_ms: expect.any(Number), cooling_until: null });
  });
});

describe('cooldown', () => {
  it('the failed model gets no upstream call during its cooldown and is tried again after it', async () => {
    const { mock, down } = await switchable('openai', ['flaky', 'steady']);
    const px = await proxy({ router: { cooldownSeconds: 1 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });

    down.set('flaky', 500);
    const first = await ask(px, 'flaky');
    expect([first.status, first.model, first.attempts]).toEqual([200, 'steady', 2]);
    expect(calls(mock, 'flaky')).toBe(1);
    down.delete('flaky'); // recovered, but the router cannot know before the cooldown ends

    for (let i = 0; i < 3; i++) {
      const r = await ask(px, i === 2 ? 'auto' : 'flaky');
      expect([r.status, r.model, r.attempts]).toEqual([200, 'steady', 1]);
    }
    expect(calls(mock, 'flaky')).toBe(1);

    await sleepPastCooldown(px, 'oa/flaky');
    const after = await ask(px, 'flaky');
    expect([after.status, after.model, after.attempts]).toEqual([200, 'flaky', 1]);
    expect(calls(mock, 'flaky')).toBe(2);
  });
});

describe('auto', () => {
  it('shifts away from a flaky model and back once it recovers', async () => {
    // steady is slower, so flaky wins while both records are clean: by far more than a loaded machine adds to one
    // call; the cooldown outlasts the four slow calls made during it several times over
    const { mock, down } = await switchable('openai', ['flaky', 'steady'], (m) => (m === 'steady' ? { delayMs: 100 } : {}));
    const px = await proxy({ router: { cooldownSeconds: 2 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });

    const served: (string | null)[] = [];
    for (let i = 0; i < 20; i++) served.push((await ask(px, 'auto')).model);
    // each new model is tried once, then the better record wins
    expect(served.slice(0, 2)).toEqual(['flaky', 'steady']);
    expect(new Set(served.slice(2))).toEqual(new Set(['flaky']));

    down.set('flaky', 503);
    const shift = await ask(px, 'auto');
    expect([shift.status, shift.model, shift.attempts]).toEqual([200, 'steady', 2]);
    const flakyCalls = calls(mock, 'flaky');
    for (let i = 0; i < 3; i++) expect((await ask(px, 'auto')).model).toBe('steady');
    expect(calls(mock, 'flaky')).toBe(flakyCalls);

    down.delete('flaky');
    await sleepPastCooldown(px, 'oa/flaky');
    // 19 of 20 still outranks 5 of 5: auto goes back
    const back = await ask(px, 'auto');
    expect([back.status, back.model, back.attempts]).toEqual([200, 'flaky', 1]);
  });

  it('tries a new model once it appears in a provider list, without trusting that one call', async () => {
    const models = ['old'];
    const opts = { protocol: 'openai' as const, models, modelsStatus: undefined as number | undefined, reply: () => ({ text: 'ok' }) };
    const mock = await upstream(opts);
    const px = await proxy({ cacheDurationSeconds: 1, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
    for (let i = 0; i < 4; i++) expect((await ask(px, 'auto')).model).toBe('old');

    models.push('fresh');
    const listed = async () => ((await (await fetch(`${px.url}/v1/models`)).json()) as any).data.map((m: any) => m.id);
    await until('the background refresh to list "fresh"', async () => (await listed()).includes('fresh'));
    const tried = await ask(px, 'auto');
    expect([tried.status, tried.model, tried.attempts]).toEqual([200, 'fresh', 1]);
    expect((await ask(px, 'auto')).model).toBe('old'); // 1 of 1 does not beat 5 of 5

    // the provider's list starts failing: the last good one stays
    opts.modelsStatus = 500;
    const lists = () => mock.requests.filter((r) => r.path === '/v1/models').length;
    const before = lists();
    await until('a failed list refresh', () => lists() > before);
    await sleep(50);
    expect(await listed()).toEqual(['auto', 'old', 'fresh']);
    expect((await ask(px, 'fresh')).model).toBe('fresh');
  });

  it('sends requests with images only to models that take them', async () => {
    const mock = await upstream({ protocol: 'openai', models: [], reply: (r) => ({ text: `answer from ${r.body.model}` }) });
    const px = await proxy({
      providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k', models: [{ id: 'text-only', images: false }, { id: 'vision', images: true }] }],
    });
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }];
    const a = await ask(px, 'text-only', { messages });
    expect([a.status, a.model, a.attempts]).toEqual([200, 'vision', 1]);
    expect(calls(mock, 'text-only')).toBe(0);
    const strict = await ask(px, 'text-only', { messages, headers: { 'x-ones-strict': '1' } });
    expect(strict.status).toBe(400);
    expect(strict.json.error.message).toMatch(/does not accept image input/);
  });
});

describe('strict mode (x-ones-strict: 1)', () => {
  let mock: MockUpstream;
  let down: Map<string, number>;
  let px: RunningProxy;
  const strict = { 'x-ones-strict': '1' };
  beforeAll(async () => {
    ({ mock, down } = await switchable('openai', ['ok-model', 'cool-model', 'bad-model']));
    down.set('cool-model', 500);
    down.set('bad-model', 502);
    px = await proxy({ router: { cooldownSeconds: 60 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
  });

  it('answers 404 for an unknown model; without it, auto answers', async () => {
    const r = await ask(px, 'no-such-model', { headers: strict });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'model_not_found', param: 'model', message: expect.stringContaining('no-such-model') });
    const a = await fetch(`${px.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...strict },
      body: JSON.stringify({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(a.status).toBe(404);
    expect(((await a.json()) as any).error.type).toBe('not_found_error');
    const relaxed = await ask(px, 'no-such-model');
    expect([relaxed.status, relaxed.model]).toEqual([200, 'ok-model']);
  });

  it('never substitutes another model, even when the requested one fails', async () => {
    const okCalls = calls(mock, 'ok-model');
    const r = await ask(px, 'bad-model', { headers: strict });
    expect(r.status).toBe(502);
    expect(calls(mock, 'ok-model')).toBe(okCalls);
    const fine = await ask(px, 'ok-model', { headers: strict });
    expect([fine.status, fine.model]).toEqual([200, 'ok-model']);
  });

  it('answers 503 for a cooling model, without an upstream call', async () => {
    expect((await ask(px, 'cool-model')).model).toBe('ok-model'); // fails over, and cools down
    const before = calls(mock, 'cool-model');
    const r = await ask(px, 'cool-model', { headers: strict });
    expect(r.status).toBe(503);
    expect(r.json.error.message).toMatch(/cooling down/);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(calls(mock, 'cool-model')).toBe(before);
  });
});

describe('failover across protocols', () => {
  let an: Awaited<ReturnType<typeof switchable>>;
  let oa: Awaited<ReturnType<typeof switchable>>;
  /** an Anthropic model that fails, then an OpenAI one */
  let anFirst: RunningProxy;
  /** an OpenAI model that fails, then an Anthropic one */
  let oaFirst: RunningProxy;
  const hi = { messages: [{ role: 'user' as const, content: 'hi' }] };
  beforeAll(async () => {
    an = await switchable('anthropic', ['claude-down', 'claude-up']);
    oa = await switchable('openai', ['gpt-down', 'gpt-up']);
    an.down.set('claude-down', 529);
    oa.down.set('gpt-down', 500);
    // cooldown 0: the failing model stays first, so every request shows a failover
    const anP = (models: string[]) => ({ name: 'an', type: 'anthropic' as const, baseURL: an.mock.baseURL, apiKey: 'k', models });
    const oaP = (models: string[]) => ({ name: 'oa', type: 'openai' as const, baseURL: oa.mock.baseURL, apiKey: 'k', models });
    anFirst = await proxy({ router: { cooldownSeconds: 0 }, providers: [anP(['claude-down']), oaP(['gpt-up'])] });
    oaFirst = await proxy({ router: { cooldownSeconds: 0 }, providers: [oaP(['gpt-down']), anP(['claude-up'])] });
  });
  const openai = (px: RunningProxy) => new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });

  it('an OpenAI client whose first candidate is a failing Anthropic provider', async () => {
    const before = calls(an.mock, 'claude-down');
    const { data, response } = await openai(anFirst).chat.completions.create({ model: 'claude-down', ...hi }).withResponse();
    expect(calls(an.mock, 'claude-down')).toBe(before + 1);
    // the failed attempt was a real Anthropic request
    expect(an.mock.chats().filter((c) => c.body.model === 'claude-down').at(-1)!.body).toMatchObject({ max_tokens: expect.any(Number) });
    expect(response.headers.get('x-ones-attempts')).toBe('2');
    expect(response.headers.get('x-ones-model')).toBe('gpt-up');
    expect(data.model).toBe('gpt-up');
    expect(data.choices[0]!.message.content).toBe('answer from gpt-up');
  });

  it('the same, streamed', async () => {
    const { data: stream, response } = await openai(anFirst).chat.completions.create({ model: 'claude-down', ...hi, stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('answer from gpt-up');
    expect(response.headers.get('x-ones-attempts')).toBe('2');
  });

  it('an OpenAI client streamed from an Anthropic upstream after a failing OpenAI one', async () => {
    const { data: stream, response } = await openai(oaFirst).chat.completions.create({ model: 'gpt-down', ...hi, stream: true }).withResponse();
    let text = '';
    let model = '';
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      model ||= c.model;
    }
    expect(text).toBe('answer from claude-up');
    expect(model).toBe('claude-up');
    expect([response.headers.get('x-ones-model'), response.headers.get('x-ones-attempts')]).toEqual(['claude-up', '2']);
  });

  it('an Anthropic client whose first candidate is a failing OpenAI provider', async () => {
    const client = new Anthropic({ baseURL: oaFirst.url, apiKey: 'x', maxRetries: 0 });
    const { data, response } = await client.messages.create({ model: 'gpt-down', max_tokens: 50, ...hi }).withResponse();
    expect(response.headers.get('x-ones-model')).toBe('claude-up');
    expect(response.headers.get('x-ones-attempts')).toBe('2');
    expect(data.model).toBe('claude-up');
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'answer from claude-up' });
  });
});

describe('failover bounds', () => {
  it('after the first byte, no retry: an in-stream error, recorded once', async () => {
    const mock = await upstream({ protocol: 'openai', models: ['cut', 'other'], reply: (r) => (r.body.model === 'cut' ? { text: 'a long answer that breaks', truncateAfter: 3 } : { text: 'ok' }) });
    const px = await proxy({ providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
    const r = await ask(px, 'cut', { stream: true });
    expect([r.status, r.model, r.attempts]).toEqual([200, 'cut', 1]);
    expect(r.text).toMatch(/data: \{"error":/);
    expect(calls(mock, 'other')).toBe(0);
    expect(row(await stats(px), 'oa/cut')).toMatchObject({ calls: 1, failures: 1 });
  });

  it('stops after maxAttempts', async () => {
    const { mock, down } = await switchable('openai', ['b1', 'b2', 'b3', 'good']);
    for (const m of ['b1', 'b2', 'b3']) down.set(m, 500);
    const px = await proxy({ router: { maxAttempts: 2 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
    const r = await ask(px, 'b1');
    expect(r.status).toBe(500);
    // b1, then the probe of the first untried model; nothing more
    expect(mock.chats().map((c) => c.body.model)).toEqual(['b1', 'b2']);
  });

  it('stops at the request deadline', async () => {
    const mock = await upstream({ protocol: 'openai', models: ['slow-bad', 'good'], reply: (r) => (r.body.model === 'slow-bad' ? { status: 500, delayMs: 300 } : { text: 'ok' }) });
    const px = await proxy({ router: { deadlineSeconds: 0.2 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
    const r = await ask(px, 'slow-bad');
    expect(r.status).toBe(500);
    expect(calls(mock, 'good')).toBe(0);
  });
});

describe('GET /api/v1/stats', () => {
  it('is behind TOKEN and reports calls, failures, success rate, latency, cooldown', async () => {
    const { mock, down } = await switchable('openai', ['a', 'b']);
    down.set('a', 500);
    const px = await proxy({ token: 'secret', router: { cooldownSeconds: 120 }, providers: [{ name: 'oa', type: 'openai', baseURL: mock.baseURL, apiKey: 'k' }] });
    const auth = { authorization: 'Bearer secret' };

    const denied = await fetch(`${px.url}/api/v1/stats`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as any).error.code).toBe('invalid_api_key');

    const t0 = Date.now();
    expect((await ask(px, 'a', { headers: auth })).model).toBe('b');
    const rows = await stats(px, auth);
    expect(rows.map((r) => r.id)).toEqual(['oa/b', 'oa/a']);
    expect(rows[0]).toEqual({
      id: 'oa/b',
      provider: 'oa',
      model: 'b',
      calls: 1,
      successes: 1,
      failures: 0,
      success_rate: 1,
      score: expect.any(Number),
      latency_ms: expect.any(Number),
      last_failure_at: null,
      cooling_until: null,
    });
    expect(rows[1]).toMatchObject({ calls: 1, successes: 0, failures: 1, success_rate: 0, latency_ms: null });
    const until = Date.parse(rows[1].cooling_until);
    expect(until - t0).toBeGreaterThan(119_000);
    expect(until - t0).toBeLessThan(121_000 + (Date.now() - t0));
  });
});
