import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { deadPort as findDeadPort, hangingServer } from '../helpers/dead-ends.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;
let deadPort: number;
let hang: Server;

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(px.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const openaiError = async (r: Response) => {
  const j: any = await r.json();
  expect(j.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  expect(j.error).toHaveProperty('param');
  expect(j.error).toHaveProperty('code');
  return j.error;
};
const anthropicError = async (r: Response) => {
  const j: any = await r.json();
  expect(j).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
  return j.error;
};

beforeAll(async () => {
  oa = await startMockUpstream({
    protocol: 'openai',
    models: ['gpt-ok', 'gpt-bad-request', 'gpt-teapot'],
    reply: (r) => (r.body.model === 'gpt-bad-request' ? { status: 400, errorMessage: 'max_tokens is too large' } : { text: 'ok' }),
  });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-ok'] });
  // a port with nothing listening, and a server that never answers
  deadPort = await findDeadPort();
  hang = await hangingServer();
  px = await startProxy({
    limits: { maxBodyBytes: 64 * 1024 },
    router: { maxAttempts: 1 },
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k1' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k2' },
      { name: 'dead', type: 'openai', baseURL: `http://127.0.0.1:${deadPort}/v1`, apiKey: 'k3', models: ['gpt-dead'] },
      { name: 'slow', type: 'anthropic', baseURL: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`, apiKey: 'k4', models: ['claude-slow'], timeouts: { firstByteMs: 300 } },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
  hang.closeAllConnections();
  hang.close();
});

describe('client mistakes get a 4xx in the route protocol', () => {
  it('malformed JSON', async () => {
    const r1 = await post('/v1/chat/completions', '{"model": ');
    expect(r1.status).toBe(400);
    expect((await openaiError(r1)).message).toMatch(/not valid JSON/);
    const r2 = await post('/v1/messages', '{"model": ');
    expect(r2.status).toBe(400);
    expect((await anthropicError(r2)).type).toBe('invalid_request_error');
  });

  it('missing or invalid messages, missing model, non-object body', async () => {
    for (const [body, param] of [
      [{ model: 'gpt-ok' }, 'messages'],
      [{ model: 'gpt-ok', messages: 'hi' }, 'messages'],
      [{ model: 'gpt-ok', messages: [] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'hi' }] }, 'model'],
      [{ model: 42, messages: [{ role: 'user', content: 'hi' }] }, 'model'],
      [[1, 2], null],
      ['"just a string"', null],
    ] as const) {
      const r = await post('/v1/chat/completions', body);
      expect(r.status).toBe(400);
      expect((await openaiError(r)).param).toBe(param);
      const a = await post('/v1/messages', body);
      expect(a.status).toBe(400);
      await anthropicError(a);
    }
  });

  it('unknown route → 404, wrong method → 405 with allow', async () => {
    const r = await fetch(px.url + '/v1/nothing-here');
    expect(r.status).toBe(404);
    await openaiError(r);
    const a = await fetch(px.url + '/v1/messages/nothing', { headers: { 'anthropic-version': '2023-06-01' } });
    expect(a.status).toBe(404);
    expect((await anthropicError(a)).type).toBe('not_found_error');
    const m = await fetch(px.url + '/v1/chat/completions');
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
    await openaiError(m);
    const m2 = await fetch(px.url + '/v1/messages', { method: 'PUT' });
    expect(m2.status).toBe(405);
    await anthropicError(m2);
  });

  it('body over the limit → 413', async () => {
    const big = JSON.stringify({ model: 'gpt-ok', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    const r = await post('/v1/chat/completions', big);
    expect(r.status).toBe(413);
    await openaiError(r);
    const a = await post('/v1/messages', big);
    expect(a.status).toBe(413);
    expect((await anthropicError(a)).type).toBe('request_too_large');
  });
});

describe('upstream failures', () => {
  it('unreachable → 502', async () => {
    const r = await post('/v1/chat/completions', { model: 'gpt-dead', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(502);
    expect((await openaiError(r)).message).toMatch(/unreachable/);
  });

  it('no first byte before the timeout → 504', async () => {
    const r = await post('/v1/messages', { model: 'claude-slow', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(504);
    expect((await anthropicError(r)).type).toBe('timeout_error');
  });

  it('an upstream 400 keeps its status and message', async () => {
    const r = await post('/v1/chat/completions', { model: 'gpt-bad-request', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(400);
    expect((await openaiError(r)).message).toMatch(/max_tokens is too large/);
  });

  it('keeps serving after all that', async () => {
    const r = await post('/v1/chat/completions', { model: 'gpt-ok', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
  });
});

describe('TOKEN auth', () => {
  let tp: RunningProxy;
  beforeAll(async () => {
    tp = await startProxy({ token: 'secret-token', providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'upstream-key' }] });
  });
  afterAll(() => tp.close());
  const call = (path: string, headers: Record<string, string>) =>
    fetch(tp.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'gpt-ok', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });

  it('401 in the route protocol when missing or wrong', async () => {
    const r = await call('/v1/chat/completions', {});
    expect(r.status).toBe(401);
    expect((await openaiError(r)).code).toBe('invalid_api_key');
    const a = await call('/v1/messages', { 'x-api-key': 'nope' });
    expect(a.status).toBe(401);
    expect((await anthropicError(a)).type).toBe('authentication_error');
    expect((await fetch(tp.url + '/v1/models')).status).toBe(401);
  });

  it('accepts Bearer and x-api-key; never forwards the token upstream', async () => {
    expect((await call('/v1/chat/completions', { authorization: 'Bearer secret-token' })).status).toBe(200);
    expect((await call('/v1/chat/completions', { 'x-api-key': 'secret-token' })).status).toBe(200);
    const seen = oa.chats().at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer upstream-key');
    expect(JSON.stringify(seen.headers)).not.toContain('secret-token');
  });

  it('/health stays open', async () => {
    expect((await fetch(tp.url + '/health')).status).toBe(200);
  });
});

describe('bring your own key', () => {
  it('passes the client credential to a keyless provider when no TOKEN is set', async () => {
    const p = await startProxy({ providers: [{ name: 'byok', type: 'anthropic', baseURL: an.baseURL, models: ['claude-ok'] }] });
    try {
      const r = await fetch(p.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'user-own-key', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-ok', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(200);
      expect(an.chats().at(-1)!.headers['x-api-key']).toBe('user-own-key');
    } finally {
      await p.close();
    }
  });
});
