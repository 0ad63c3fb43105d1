import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '@ones-proxy/core';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const UPSTREAM_KEY = 'sk-upstream-secret-0123456789';
const TOKEN = 'proxy-token-abcdef';

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;
const logs: string[] = [];
const capture: Logger = {
  debug: (o, m) => logs.push(JSON.stringify([o, m])),
  info: (o, m) => logs.push(JSON.stringify([o, m])),
  warn: (o, m) => logs.push(JSON.stringify([o, m])),
  error: (o, m) => logs.push(JSON.stringify([o, m])),
};

beforeAll(async () => {
  // an upstream that echoes the key it was sent in its error, as real providers do
  oa = await startMockUpstream({
    protocol: 'openai',
    models: ['gpt-s'],
    reply: (r) => (JSON.stringify(r.body).includes('#echo') ? { status: 401, errorMessage: `Incorrect API key provided: ${String(r.headers.authorization).slice(7)}` } : { text: 'ok' }),
  });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-s'] });
  px = await startProxy({
    token: TOKEN,
    logger: capture,
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: UPSTREAM_KEY },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: UPSTREAM_KEY },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

/** node:http, because fetch refuses to send hop-by-hop headers at all */
function rawPost(path: string, body: object, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(px.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const post = (path: string, body: object, headers: Record<string, string> = {}) =>
  fetch(px.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers }, body: JSON.stringify(body) });

describe('what reaches an upstream', () => {
  it('never the client auth, cookies, hop-by-hop or forwarding headers', async () => {
    for (const [path, model, mock] of [
      ['/v1/chat/completions', 'gpt-s', () => oa],
      ['/v1/messages', 'claude-s', () => an],
      ['/v1/chat/completions', 'claude-s', () => an],
    ] as const) {
      const status = await rawPost(
        path,
        { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
        { cookie: 'session=abc', 'x-forwarded-for': '6.6.6.6', 'proxy-authorization': 'Basic x', 'x-custom-secret': 's', 'x-api-key': TOKEN, connection: 'keep-alive, x-custom-secret', te: 'trailers', upgrade: 'h2c' },
      );
      expect(status).toBe(200);
      const h = mock().chats().at(-1)!.headers;
      for (const k of ['cookie', 'x-forwarded-for', 'proxy-authorization', 'x-custom-secret', 'te', 'upgrade']) expect(h[k]).toBeUndefined();
      expect(JSON.stringify(h)).not.toContain(TOKEN);
    }
  });

  it('no client-controlled upstream: a URL as model is just an unknown model', async () => {
    const before = oa.requests.length + an.requests.length;
    const strict = await post('/v1/chat/completions', { model: 'http://169.254.169.254/latest', messages: [{ role: 'user', content: 'hi' }] }, { 'x-ones-strict': '1' });
    expect(strict.status).toBe(404);
    const loose = await post('/v1/chat/completions', { model: 'evil.example/v1', messages: [{ role: 'user', content: 'hi' }] });
    expect(loose.status).toBe(200); // served by a configured provider, via auto
    expect(oa.requests.length + an.requests.length).toBe(before + 1);
  });
});

describe('secrets', () => {
  it('an upstream echoing the key leaks it neither to the client nor to the logs', async () => {
    // strict: no other model may answer instead, so the upstream's error comes back
    const r = await post('/v1/chat/completions', { model: 'gpt-s', messages: [{ role: 'user', content: '#echo' }] }, { 'x-ones-strict': '1' });
    const text = await r.text();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(text).toContain('Incorrect API key provided');
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(logs.join('\n')).not.toContain(UPSTREAM_KEY);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });
});

describe('CORS', () => {
  it('is off unless configured', async () => {
    const pre = await fetch(px.url + '/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await post('/v1/chat/completions', { model: 'gpt-s', messages: [{ role: 'user', content: 'hi' }] }, { origin: 'https://app.example' });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights and decorates answers for listed origins only', async () => {
    const p = await startProxy({ cors: { origins: ['https://app.example'] }, providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' }] });
    try {
      const pre = await fetch(p.url + '/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
      const r = await fetch(p.url + '/v1/chat/completions', { method: 'POST', headers: { origin: 'https://app.example', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-s', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const other = await fetch(p.url + '/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await p.close();
    }
  });
});
