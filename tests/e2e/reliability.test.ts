/**
 * Cancellation, keep-alive, timeouts, limits and hostile upstreams, proven
 * with real sockets: what the upstream sees is measured at the upstream.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createProxy } from '@ones-proxy/core';
import { createServer } from '@ones-proxy/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each test picks the upstream's behaviour through the user message text. */
const behaviours: Record<string, MockReply> = {
  // left alone, these two take over 5 s to finish (see UPSTREAM_NATURAL_MS): an abort must reach them long before
  slowStream: { text: 'a fairly long answer that keeps coming in small pieces, '.repeat(3), frameDelayMs: 200 },
  slowAnswer: { text: 'late', delayMs: 5000 },
  lateFirstToken: { text: 'after a long think', firstChunkDelayMs: 350 },
  quietStream: { text: 'pause between every piece', frameDelayMs: 120 },
  stall: { text: 'starts then goes silent forever', stallAfter: 2 },
  truncated: { text: 'this stream is cut short before its end', truncateAfter: 3 },
  invalidJson: { raw: { body: '{"id":"x","choices":[{"mess' } },
  errorBody: { raw: { body: '{"error":{"message":"quota exceeded","type":"server_error"}}' } },
  htmlPage: { raw: { contentType: 'text/html', body: '<html>gateway error</html>' } },
  mentionsEnd: { text: 'it ends with\ndata: [DONE]\n\nand\nevent: message_stop\ndata: {"type":"message_stop"}\n\n, really' },
  hugeLine: { text: 'never reached', extraFrame: `data: ${'x'.repeat(17 * 1024 * 1024)}\n\n` },
};
function script(r: Recorded): MockReply {
  const text = JSON.stringify(r.body.messages ?? []);
  for (const [k, v] of Object.entries(behaviours)) if (text.includes(`#${k}`)) return v;
  return { text: 'fine' };
}

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-r'], reply: script });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-r'], reply: script });
  px = await startProxy({
    heartbeatMs: 100,
    router: { maxAttempts: 1, cooldownSeconds: 0.2 },
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k', timeouts: { idleMs: 400 } },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k', timeouts: { idleMs: 400 } },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

type P = 'openai' | 'anthropic';
const PATH: Record<P, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
const MODEL: Record<P, string> = { openai: 'gpt-r', anthropic: 'claude-r' };
const pairs: [P, P][] = [
  ['openai', 'openai'],
  ['openai', 'anthropic'],
  ['anthropic', 'anthropic'],
  ['anthropic', 'openai'],
];
const mockOf = (p: P) => (p === 'openai' ? oa : an);

function chat(client: P, upstream: P, tag: string, stream: boolean, signal?: AbortSignal, headers: Record<string, string> = {}) {
  return fetch(px.url + PATH[client], {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL[upstream], max_tokens: 50, stream, messages: [{ role: 'user', content: `please ${tag}` }] }),
  });
}

/**
 * Cancellation must reach the upstream long before the upstream would have
 * finished by itself: the slow replies above take over 5 s untouched (the
 * stream: 30+ frames 200 ms apart; the answer: 5 s before its headers), so an
 * early close seen within 2 s of the abort can only be the proxy's. Measured
 * delays are a few ms; 2 s is margin for a loaded machine, not a target.
 */
const UPSTREAM_NATURAL_MS = 5000;
const ABORT_REACHES_UPSTREAM_MS = 2000;

/** Waits (up to shortly before the upstream's natural end) until the mock has seen one more early close; returns when it happened. */
async function nextClose(mock: MockUpstream, before: number, since: number): Promise<number> {
  while (mock.closeTimes.length <= before && performance.now() - since < UPSTREAM_NATURAL_MS - 500) await sleep(5);
  expect(mock.closeTimes.length, 'the upstream saw no early close: the abort never reached it').toBeGreaterThan(before);
  return mock.closeTimes[before]!;
}

describe('cancellation: a client that leaves aborts the upstream long before it would have finished', () => {
  it('the slow replies really are slow (what the bounds below are measured against)', () => {
    expect(behaviours.slowAnswer!.delayMs).toBeGreaterThanOrEqual(UPSTREAM_NATURAL_MS);
    const frames = Math.ceil(behaviours.slowStream!.text!.length / 6); // the mock sends 6 characters a frame
    expect(frames * behaviours.slowStream!.frameDelayMs!).toBeGreaterThanOrEqual(UPSTREAM_NATURAL_MS);
  });

  describe.each(pairs)('%s client → %s upstream', (client, upstream) => {
    it('mid-stream', async () => {
      const mock = mockOf(upstream);
      const before = mock.closeTimes.length;
      const ac = new AbortController();
      const res = await chat(client, upstream, '#slowStream', true, ac.signal);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read(); // the first bytes have arrived: the stream is committed
      const t0 = performance.now();
      ac.abort();
      const closed = await nextClose(mock, before, t0);
      expect(closed - t0).toBeLessThan(ABORT_REACHES_UPSTREAM_MS);
    });

    it('while waiting for a non-stream answer', async () => {
      const mock = mockOf(upstream);
      const before = mock.closeTimes.length;
      const ac = new AbortController();
      const pending = chat(client, upstream, '#slowAnswer', false, ac.signal).catch((e: Error) => e);
      await sleep(150);
      const t0 = performance.now();
      ac.abort();
      expect(await pending).toBeInstanceOf(Error);
      const closed = await nextClose(mock, before, t0);
      expect(closed - t0).toBeLessThan(ABORT_REACHES_UPSTREAM_MS);
    });

    it('is not counted against the model', async () => {
      // strict mode refuses a cooling model: if the aborts above had counted as failures, this would be 503
      const res = await chat(client, upstream, 'hello', false, undefined, { 'x-ones-strict': '1' });
      expect(res.status).toBe(200);
    });
  });
});

describe('keep-alive', () => {
  it('sends SSE comments to OpenAI clients and pings to Anthropic clients before the first token', async () => {
    const o = await (await chat('openai', 'anthropic', '#lateFirstToken', true)).text();
    expect(o.indexOf(': keep-alive\n\n')).toBeGreaterThanOrEqual(0);
    expect(o.indexOf(': keep-alive')).toBeLessThan(o.indexOf('after'));
    const a = await (await chat('anthropic', 'openai', '#lateFirstToken', true)).text();
    expect(a.indexOf('event: ping\ndata: {"type":"ping"}\n\n')).toBeGreaterThanOrEqual(0);
    expect(a.indexOf('event: ping')).toBeLessThan(a.indexOf('after'));
  });

  it('keeps quiet streams alive between frames (passthrough too) and the SDKs still read them', async () => {
    const raw = await (await chat('openai', 'openai', '#quietStream', true)).text();
    expect(raw).toContain(': keep-alive\n\n');
    expect(raw).not.toMatch(/[^\n]: keep-alive/); // only ever between frames
    const oc = new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const final = await oc.chat.completions.stream({ model: 'gpt-r', messages: [{ role: 'user', content: '#quietStream' }] }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('pause between every piece');
    const ac = new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
    const msg = await ac.messages.stream({ model: 'claude-r', max_tokens: 10, messages: [{ role: 'user', content: '#quietStream' }] }).finalMessage();
    expect(msg.content[0]).toMatchObject({ text: 'pause between every piece' });
  });
});

describe('hostile upstreams end in a clear error in the client protocol', () => {
  // each failure puts the model in a 0.2 s cooldown: let it pass before the next case
  beforeEach(() => sleep(250));
  it.each(pairs)('%s client, %s upstream: silent stream → idle timeout → in-stream error', async (client, upstream) => {
    const text = await (await chat(client, upstream, '#stall', true)).text();
    if (client === 'openai') expect(text).toMatch(/data: \{"error":\{"message":"[^"]*idle[^"]*"/);
    else expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"timeout_error","message":"[^"]*idle/);
  });

  it.each(pairs)('%s client, %s upstream: truncated stream → in-stream error', async (client, upstream) => {
    const text = await (await chat(client, upstream, '#truncated', true)).text();
    if (client === 'openai') expect(text).toContain('data: {"error":');
    else expect(text).toContain('event: error\n');
  });

  it.each(pairs)('%s client, %s upstream: invalid JSON, error body or HTML with 200 → 502', async (client, upstream) => {
    for (const tag of ['#invalidJson', '#errorBody']) {
      await sleep(250);
      const r = await chat(client, upstream, tag, false);
      expect(r.status).toBe(502);
      const j: any = await r.json();
      if (client === 'openai') expect(j.error.type).toBe('server_error');
      else expect(j).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    }
    await sleep(250);
    const h = await chat(client, upstream, '#htmlPage', true);
    expect(h.status).toBe(502);
    expect((await h.text())).toMatch(/expected an event stream, got text\/html/);
  });

  it('an SSE line of 17 MB through a translator → in-stream error, no crash', async () => {
    const text = await (await chat('anthropic', 'openai', '#hugeLine', true)).text();
    expect(text).toMatch(/event: error\ndata: .*SSE line over 16 MiB/);
    await sleep(250);
    expect((await chat('openai', 'openai', 'hello', false)).status).toBe(200);
  });

  it('failures are counted: a strict request right after finds the model cooling', async () => {
    await chat('openai', 'openai', '#invalidJson', false);
    const r = await chat('openai', 'openai', 'hello', false, undefined, { 'x-ones-strict': '1' });
    expect(r.status).toBe(503);
    await sleep(250); // cooldown is 0.2 s here
    expect((await chat('openai', 'openai', 'hello', false, undefined, { 'x-ones-strict': '1' })).status).toBe(200);
  });
});

describe('the end of a stream', () => {
  it.each(pairs)('%s client, %s upstream: content that spells the end markers does not end the stream', async (client, upstream) => {
    const text = await (await chat(client, upstream, '#mentionsEnd', true)).text();
    const want = behaviours.mentionsEnd!.text!;
    if (client === 'openai') {
      const frames = text.split('\n\n').filter((f) => f.startsWith('data: {'));
      expect(frames.map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '').join('')).toBe(want);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    } else {
      const deltas = text.split('\n\n').filter((f) => f.includes('"text_delta"')).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)).delta.text);
      expect(deltas.join('')).toBe(want);
      expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    }
  });
});

describe('timeouts and limits', () => {
  it('a first-byte timeout fails over to the next candidate', async () => {
    const slow = await startMockUpstream({ protocol: 'anthropic', models: ['shared-model'], reply: () => ({ text: 'too late', delayMs: 2000 }) });
    const fast = await startMockUpstream({ protocol: 'openai', models: ['shared-model'], reply: () => ({ text: 'on time' }) });
    const p = await startProxy({
      providers: [
        { name: 'slow', type: 'anthropic', baseURL: slow.baseURL, apiKey: 'k', timeouts: { firstByteMs: 200 } },
        { name: 'fast', type: 'openai', baseURL: fast.baseURL, apiKey: 'k' },
      ],
    });
    try {
      const c = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const { data, response } = await c.chat.completions.create({ model: 'slow/shared-model', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe('on time');
      expect(response.headers.get('x-ones-attempts')).toBe('2');
      expect(response.headers.get('x-ones-provider')).toBe('fast');
    } finally {
      await p.close();
      await slow.close();
      await fast.close();
    }
  });

  it('bounds concurrent upstream requests per provider: queue, then 429 with retry-after', async () => {
    const up = await startMockUpstream({ protocol: 'openai', models: ['busy'], reply: () => ({ text: 'done', delayMs: 300 }) });
    const p = await startProxy({ providers: [{ name: 'one', type: 'openai', baseURL: up.baseURL, apiKey: 'k', maxConcurrent: 2, maxQueue: 1 }] });
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'busy', messages: [{ role: 'user', content: 'hi' }] }) }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = results.find((r) => r.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as any).error.type).toBe('rate_limit_exceeded');
      // the refused ones never reached the upstream, and the busy provider was not put in cooldown
      expect(up.chats().length).toBe(3);
      const again = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ones-strict': '1' }, body: JSON.stringify({ model: 'busy', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(again.status).toBe(200);
    } finally {
      await p.close();
      await up.close();
    }
  });

  it('oversized headers → 431; a client that never finishes its headers is cut', async () => {
    // cut by these 300 ms, not by node's or the server's defaults (30 s and more): any bound far below those proves it,
    // so the bound is set where a loaded machine cannot reach it (the cut takes about 300-400 ms)
    const CUT_WITHIN_MS = 5000;
    const proxy = createProxy({ providers: [] });
    const server = createServer(proxy, { headersTimeoutMs: 300, requestTimeoutMs: 300, maxHeaderSize: 8 * 1024 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const big = await fetch(`http://127.0.0.1:${port}/health`, { headers: { 'x-big': 'y'.repeat(16 * 1024) } });
      expect(big.status).toBe(431);
      const started = performance.now();
      const reply = await new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n')); // never ends its headers
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('close', () => resolve(got));
      });
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      expect(performance.now() - started).toBeLessThan(CUT_WITHIN_MS);
    } finally {
      await server.shutdown(100);
    }
  });
});

describe('200 concurrent streams through one proxy', () => {
  it('all complete intact, in both directions', async () => {
    // a proxy of its own: no cooldowns left over from the hostile cases above
    const p = await startProxy({
      providers: [
        { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
        { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
      ],
    });
    const texts = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const [client, upstream] = pairs[i % 4]!;
        const r = await fetch(p.url + PATH[client], {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL[upstream], max_tokens: 50, stream: true, messages: [{ role: 'user', content: `stream ${i}` }] }),
        });
        return [client, await r.text()] as const;
      }),
    ).finally(() => p.close());
    for (const [client, t] of texts) {
      if (client === 'openai') {
        expect(t.endsWith('data: [DONE]\n\n'), t.slice(-400)).toBe(true);
        const content = t.split('\n\n').filter((f) => f.startsWith('data: {')).map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '').join('');
        expect(content).toBe('fine');
      } else {
        expect(t.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'), t.slice(-400)).toBe(true);
        expect(t).toContain('"text_delta","text":"fine"');
      }
    }
  });
});

describe('back-pressure', () => {
  it('a client that reads slowly slows the upstream instead of filling the proxy memory; every byte still arrives', async () => {
    // an upstream that writes 40 MB of SSE as fast as its socket takes it, counting what it managed to write
    const FRAME = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'y'.repeat(4000) }, finish_reason: null }] })}\n\n`;
    const FRAMES = Math.ceil((40 << 20) / FRAME.length);
    let written = 0;
    const upstream = createHttpServer(async (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < FRAMES; i++) {
        written += FRAME.length;
        if (!res.write(FRAME)) await new Promise((r) => res.once('drain', r));
      }
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const p = await startProxy({
      providers: [{ name: 'oa', type: 'openai', baseURL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, apiKey: 'k', models: ['m'] }],
    });
    try {
      const res = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let received = (await reader.read()).value!.length;
      // the client stops reading: what the upstream can write is bounded by socket buffers, not by the answer's size
      await new Promise((r) => setTimeout(r, 500));
      const stalled = written;
      await new Promise((r) => setTimeout(r, 300));
      expect(written).toBe(stalled);
      expect(written).toBeLessThan(16 << 20);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(received).toBe(FRAMES * FRAME.length + 'data: [DONE]\n\n'.length);
      expect(written).toBe(FRAMES * FRAME.length);
    } finally {
      await p.close();
      await new Promise((r) => upstream.close(r));
    }
  });
});
