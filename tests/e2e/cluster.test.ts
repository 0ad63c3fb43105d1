import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { records, startCli, type Running } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { sleep } from '../helpers/scripted-upstream.js';

let redis: TestRedis;
let oa: MockUpstream;
beforeAll(async () => {
  redis = await startRedis();
  oa = await startMockUpstream({
    protocol: 'openai',
    models: ['m'],
    reply: (r) => {
      const last = (r.body?.messages as { content: string }[]).at(-1)!.content;
      return { text: `answer to ${last}`, delayMs: last === 'slow' ? 500 : 0 };
    },
  });
});
afterAll(async () => {
  await oa.close();
  await redis.stop();
});

const ready = (r: Running) => records(r.out()).filter((l) => l.msg === 'worker ready');
/** One request on a connection of its own (a kept-alive one to a worker that was killed would be reset, as for any client). */
function chat(r: Running, content: string, session?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content }], ...(session ? { session_id: session } : {}) });
    const req = request(r.url + '/v1/chat/completions', { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('WORKERS=3 on one port, state in Redis', () => {
  let cli: Running;
  beforeAll(async () => {
    cli = await startCli(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: oa.baseURL, OPENAI_API_KEY: 'k-000000', WORKERS: '3', SESSION_STORAGE_TYPE: 'redis', REDIS_URL: redis.url, REDIS_PREFIX: `c${process.pid}:` });
    for (let i = 0; i < 100 && ready(cli).length < 3; i++) await sleep(100);
  }, 20_000);
  afterAll(async () => {
    cli.proc.kill('SIGTERM');
    await cli.exited;
  });

  it('says the start-up line once, with the worker count', () => {
    expect(cli.listening.msg).toMatch(/; 3 workers$/);
    expect(records(cli.out()).filter((l) => l.msg.includes(' listening on '))).toHaveLength(1);
    expect(new Set(ready(cli).map((l) => l.workerPid)).size).toBe(3);
  });

  it('answers 30 parallel requests, and one session holds across whichever workers answer', async () => {
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(cli, `q${i}`).then((r) => r.status)));
    expect(all.every((s) => s === 200)).toBe(true);
    for (let i = 0; i < 6; i++) expect((await chat(cli, `turn ${i}`, 'across')).status).toBe(200);
    const stored = (await (await fetch(cli.url + '/api/v1/session/across')).json()) as { messages: unknown[] };
    expect(stored.messages).toHaveLength(12);
    expect(JSON.stringify(oa.chats().at(-1)!.body.messages)).toContain('turn 0');
  });

  it('a killed worker is replaced and the port keeps answering', async () => {
    const victim = ready(cli)[0]!.workerPid as number;
    process.kill(victim, 'SIGKILL');
    // until the primary has seen it go, a connection may still be handed to it
    await sleep(300);
    for (let i = 0; i < 10; i++) expect((await chat(cli, `after kill ${i}`)).status).toBe(200);
    for (let i = 0; i < 50 && ready(cli).length < 4; i++) await sleep(100);
    const pids = ready(cli).map((l) => l.workerPid);
    expect(pids).toHaveLength(4);
    expect(records(cli.out()).some((l) => l.msg === 'worker died; starting another' && l.workerPid === victim)).toBe(true);
  });

  it('SIGTERM drains every worker and exits 0', async () => {
    const before = oa.chats().length;
    const slow = chat(cli, 'slow');
    // the request is in a worker (its upstream call made) when the signal comes
    while (oa.chats().length === before) await sleep(10);
    cli.proc.kill('SIGTERM');
    expect((await slow).status).toBe(200);
    expect(await cli.exited).toBe(0);
  });
});

describe('several workers with memory storage', () => {
  it('work, and say once that state is per worker', async () => {
    const cli = await startCli(['--port', '0', '--host', '127.0.0.1', '--workers', '2'], { OPENAI_BASE_URL: oa.baseURL, OPENAI_API_KEY: 'k-000000' });
    try {
      expect((await chat(cli, 'hi')).status).toBe(200);
      expect(records(cli.out()).filter((l) => l.level === 'warn' && String(l.msg).includes('each worker keeps its own'))).toHaveLength(1);
    } finally {
      cli.proc.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    }
  });
});
