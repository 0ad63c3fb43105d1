import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '@ones-proxy/core';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { sleep } from '../helpers/scripted-upstream.js';

let redis: TestRedis;
let oa: MockUpstream;
const instances: RunningProxy[] = [];

beforeAll(async () => {
  redis = await startRedis();
  oa = await startMockUpstream({
    protocol: 'openai',
    models: ['good', 'flaky'],
    reply: (r) => {
      if (r.body?.model === 'flaky') return { status: 503 };
      const last = (r.body?.messages as { content: string }[]).at(-1)!.content;
      return { text: `answer to ${last}` };
    },
  });
});
afterAll(async () => {
  for (const p of instances) await p.close();
  await oa.close();
  await redis.stop();
});

/** An instance of the proxy on the shared Redis, as a deployment's replicas are. */
async function instance(extra: object = {}, logger?: Logger): Promise<RunningProxy> {
  const p = await startProxy({
    token: 'team-token',
    logger,
    session: { storage: 'redis', redisUrl: redis.url, redisPrefix: `t${process.pid}:`, ...extra },
    providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' }],
  });
  instances.push(p);
  return p;
}

const client = (p: RunningProxy) => new OpenAI({ baseURL: p.url + '/v1', apiKey: 'team-token', maxRetries: 0 });
const ask = (p: RunningProxy, session: string, content: string, model = 'good') =>
  client(p).chat.completions.create({ model, session_id: session, messages: [{ role: 'user', content }] } as never).withResponse();
const sentLast = () => JSON.stringify(oa.chats().at(-1)!.body.messages);

describe('sessions shared through Redis', () => {
  it('written through one instance, read through another, cleared from a third', async () => {
    const [a, b, c] = [await instance(), await instance(), await instance()];
    await ask(a, 'shared-1', 'told instance a');
    const { response } = await ask(b, 'shared-1', 'asked instance b');
    expect(response.headers.get('x-ones-session')).toBe('shared-1');
    expect(sentLast()).toContain('told instance a');
    expect(sentLast()).toContain('answer to told instance a');
    const cleared = await fetch(c.url + '/api/v1/session/clear', { method: 'POST', headers: { authorization: 'Bearer team-token', 'content-type': 'application/json' }, body: JSON.stringify({ session_id: 'shared-1' }) });
    expect(cleared.status).toBe(200);
    await ask(a, 'shared-1', 'after the clear');
    expect(sentLast()).not.toContain('told instance a');
  });

  it('the history is capped in Redis as in memory, and expires by key TTL', async () => {
    const p = await instance({ maxMessages: 3, timeoutSeconds: 1 });
    for (let i = 0; i < 3; i++) await ask(p, 'capped', `turn ${i}`);
    const stored = (await (await fetch(p.url + '/api/v1/session/capped', { headers: { authorization: 'Bearer team-token' } })).json()) as { messages: { content: { text: string }[] }[] };
    // 6 messages capped at 3 would start on an answer: the newest clean turn and its answer are left
    expect(stored.messages.map((m) => m.content[0]!.text)).toEqual(['turn 2', 'answer to turn 2']);
    const ttl = Number((await redis.command(`PTTL t${process.pid}:s:{capped}`)).slice(1));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    await sleep(1200);
    expect((await fetch(p.url + '/api/v1/session/capped', { headers: { authorization: 'Bearer team-token' } })).status).toBe(404);
  });
});

describe('routing state shared through Redis', () => {
  it('a cooldown learned on instance A holds on instance B: B never calls the cooling model', async () => {
    const [a, b] = [await instance(), await instance()];
    const before = oa.chats().filter((c) => c.body.model === 'flaky').length;
    const r = await client(a).chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'x' }] });
    expect(r.model).toBe('good'); // failed over
    expect(oa.chats().filter((c) => c.body.model === 'flaky').length).toBe(before + 1);
    await sleep(50); // the write is off the request's path
    const r2 = await client(b).chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'y' }] });
    expect(r2.model).toBe('good');
    expect(oa.chats().filter((c) => c.body.model === 'flaky').length).toBe(before + 1);
    // and B's stats show the fleet's view
    const stats = (await (await fetch(b.url + '/api/v1/stats', { headers: { authorization: 'Bearer team-token' } })).json()) as { data: { id: string; failures: number; cooling_until: string | null }[] };
    const flaky = stats.data.find((s) => s.id === 'oa/flaky')!;
    expect(flaky.failures).toBeGreaterThanOrEqual(1);
    expect(flaky.cooling_until).not.toBeNull();
  });
});

describe('when Redis fails', () => {
  it('every request still answers, sessions say unavailable, one warning for the outage; back within 10 s without a restart', async () => {
    const own = await startRedis();
    const lines: string[] = [];
    const log: Logger = { debug: () => {}, info: (o, m) => lines.push(`info ${m}`), warn: (o, m) => lines.push(`warn ${m}`), error: (o, m) => lines.push(`error ${m}`) };
    const mk = () =>
      startProxy({ token: 'team-token', logger: log, session: { storage: 'redis', redisUrl: own.url, redisCommandTimeoutMs: 200 }, providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' }] });
    const [a, b] = [await mk(), await mk()];
    try {
      await ask(a, 'outage', 'before the outage');
      await own.stop();
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now();
        const { response, data } = await ask(i % 2 ? a : b, 'outage', `during ${i}`);
        expect(response.status).toBe(200);
        expect(data.choices[0]!.message.content).toBe(`answer to during ${i}`);
        expect(response.headers.get('x-ones-session')).toBe('unavailable');
        expect(performance.now() - t0).toBeLessThan(3000);
      }
      // once per instance, not per request
      // once per instance and outage: Redis's own line, and the sessions' one
      const warned = lines.filter((l) => l.startsWith('warn'));
      expect(warned.filter((l) => l.includes('redis unavailable')), lines.join('\n')).toHaveLength(2);
      expect(warned.length, lines.join('\n')).toBeLessThanOrEqual(4);
      await own.start();
      const deadline = Date.now() + 10_000;
      let back = false;
      while (!back && Date.now() < deadline) {
        await sleep(250);
        const [ra, rb] = [await ask(a, 'after', 'x'), await ask(b, 'after', 'y')];
        back = ra.response.headers.get('x-ones-session') === 'after' && rb.response.headers.get('x-ones-session') === 'after';
      }
      expect(back).toBe(true);
      await ask(b, 'after', 'what came before?');
      expect(sentLast()).toContain('"x"');
    } finally {
      await a.close();
      await b.close();
      await own.stop();
    }
  }, 30_000);

  it('Redis unreachable at start-up: it starts, answers, and uses Redis once it is there', async () => {
    const own = await startRedis();
    await own.stop();
    const p = await startProxy({ token: 'team-token', session: { storage: 'redis', redisUrl: own.url }, providers: [{ name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k-oa-000000' }] });
    try {
      const { response } = await ask(p, 'late', 'first');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ones-session')).toBe('unavailable');
      expect(p.proxy.storage()).toEqual({ kind: 'redis', up: false });
      await own.start();
      const deadline = Date.now() + 10_000;
      while (p.proxy.storage().up === false && Date.now() < deadline) {
        await sleep(200);
        await ask(p, 'late', 'probe');
      }
      expect((await ask(p, 'late', 'now')).response.headers.get('x-ones-session')).toBe('late');
    } finally {
      await p.close();
      await own.stop();
    }
  }, 30_000);
});
