import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { records, startCli, type Running } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'ones-ops-'));
const OUTPUT = new URL('../output/', import.meta.url);

/** Replaces the file the way editors do: a new file renamed over the old one. */
function writeByRename(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${Date.now()}`;
  writeFileSync(tmp, typeof data === 'string' ? data : JSON.stringify(data));
  renameSync(tmp, path);
}

async function until(ok: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Prometheus text exposition: every line a comment or `name{labels} value`; samples by name and labels. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}
const sample = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

describe('hot reload of the config file', () => {
  let a: MockUpstream;
  let b: MockUpstream;
  let r: Running;
  const file = join(dir, 'ones.json');
  const chat = (url: string, model: string, path = '/v1/chat/completions') =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });

  beforeAll(async () => {
    a = await startMockUpstream({ protocol: 'openai', models: ['a-model'], reply: () => ({ text: 'from a', delayMs: 700 }) });
    b = await startMockUpstream({ protocol: 'openai', models: ['b-model'], reply: () => ({ text: 'from b' }) });
    writeFileSync(file, JSON.stringify({ providers: [{ name: 'a', type: 'openai', baseURL: a.baseURL }] }));
    r = await startCli(['--port', '0', '--host', '127.0.0.1', '--config', file]);
  });
  afterAll(async () => {
    r?.proc.kill('SIGTERM');
    await r?.exited;
    await a?.close();
    await b?.close();
  });

  it('a changed file (replaced by rename) is served within 2 s; 50 requests in flight across the swap all finish', async () => {
    // 40 whole answers and 10 streams, read to their end
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      i % 5 === 0
        ? fetch(r.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'a-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }) }).then(async (res) => {
            const text = await res.text();
            expect(text).toContain('[DONE]');
            return res;
          })
        : chat(r.url, 'a-model'),
    );
    await until(() => a.chats().length >= 50);
    const t0 = performance.now();
    writeByRename(file, { providers: [{ name: 'b', type: 'openai', baseURL: b.baseURL }], chatPaths: ['/v1/chat/completions', '/team/chat'] });
    expect(await until(async () => (await chat(r.url, 'auto')).headers.get('x-ones-provider') === 'b', 2000)).toBe(true);
    const servedMs = performance.now() - t0;
    const done = await Promise.all(inFlight);
    expect(done.map((x) => x.status)).toEqual(Array(50).fill(200));
    expect(done.every((x) => x.headers.get('x-ones-provider') === 'a')).toBe(true);
    expect(servedMs).toBeLessThan(2000);
    // routes came with the file
    const team = await chat(r.url, 'b-model', '/team/chat');
    expect(team.status).toBe(200);
    expect(((await team.json()) as any).choices[0].message.content).toBe('from b');
    expect(records(r.out()).some((l) => l.msg === 'config reloaded')).toBe(true);
  });

  it('an invalid file is refused with one line naming the field; the old config keeps serving', async () => {
    const before = records(r.out()).length;
    writeByRename(file, { providers: [{ name: 'b', type: 'openai', baseURL: b.baseURL, timeoutz: 3 }] });
    expect(await until(() => r.out().includes('config reload refused'))).toBe(true);
    writeByRename(file, '{ "providers": [');
    expect(await until(() => r.out().split('config reload refused').length > 2)).toBe(true);
    const refused = records(r.out()).slice(before).filter((l) => l.msg.includes('config reload refused'));
    expect(refused.length).toBe(2);
    expect(refused[0]!.level).toBe('error');
    expect(refused[0]!.msg).toMatch(/providers\.0/);
    expect(refused[1]!.msg).toMatch(/not valid JSON/);
    const still = await chat(r.url, 'auto', '/team/chat');
    expect(still.status).toBe(200);
    expect(still.headers.get('x-ones-provider')).toBe('b');
  });

  it('SIGHUP reloads instead of ending the process; router stats survive', async () => {
    const statsBefore = ((await (await fetch(r.url + '/api/v1/stats')).json()) as any).data.find((d: any) => d.id === 'b/b-model');
    expect(statsBefore.calls).toBeGreaterThan(0);
    writeFileSync(join(dir, 'other.json'), '{}'); // not the watched file: nothing happens
    const reloads = () => records(r.out()).filter((l) => l.msg === 'config reloaded').length;
    // the valid config back, written in place; SIGHUP also reloads it
    writeFileSync(file, JSON.stringify({ providers: [{ name: 'b', type: 'openai', baseURL: b.baseURL }, { name: 'a', type: 'openai', baseURL: a.baseURL }] }));
    await until(() => reloads() >= 2);
    const n = reloads();
    r.proc.kill('SIGHUP');
    expect(await until(() => reloads() > n)).toBe(true);
    expect(r.out()).toContain('SIGHUP received, reloading the config file');
    expect(r.proc.exitCode).toBe(null);
    const statsAfter = ((await (await fetch(r.url + '/api/v1/stats')).json()) as any).data.find((d: any) => d.id === 'b/b-model');
    expect(statsAfter.calls).toBeGreaterThanOrEqual(statsBefore.calls);
    expect((await fetch(r.url + '/health')).status).toBe(200);
  });
});

describe('metrics, access log, status page', () => {
  let up: MockUpstream;
  let r: Running;
  const TOKEN = 'tok-ops-Secret-4711';
  const KEY = 'sk-upstream-Secret-0815';
  const COOKIE = 'sid=cookie-Secret-2323';
  let client: OpenAI;

  beforeAll(async () => {
    up = await startMockUpstream({
      protocol: 'openai',
      models: ['m-ok', 'm-bad'],
      reply: (req) => (req.body.model === 'm-bad' ? { status: 500, errorMessage: 'broken' } : { text: 'hello', usage: { input: 7, output: 5 } }),
    });
    r = await startCli(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: up.baseURL, OPENAI_API_KEY: KEY, TOKEN, DEBUG: 'true', COOLDOWN: '60' });
    client = new OpenAI({ baseURL: r.url + '/v1', apiKey: TOKEN, defaultHeaders: { cookie: COOKIE }, maxRetries: 0 });
  });
  afterAll(async () => {
    r?.proc.kill('SIGTERM');
    await r?.exited;
    await up?.close();
  });

  const metrics = async () => {
    const res = await fetch(r.url + '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseProm(await res.text());
  };

  it('/metrics is behind the token, parses as Prometheus text, and each counter moves by exactly what was sent', async () => {
    expect((await fetch(r.url + '/metrics')).status).toBe(401);
    const before = await metrics();
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'm-ok', messages: [{ role: 'user', content: 'hi' }] });
    for (let i = 0; i < 2; i++) {
      const s = await client.chat.completions.create({ model: 'm-ok', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
      for await (const _ of s);
    }
    // m-bad fails (500), the request fails over to m-ok: one upstream failure, one failover
    const over = await client.chat.completions.create({ model: 'm-bad', messages: [{ role: 'user', content: 'hi' }] });
    expect(over.model).toBe('m-ok');
    const after = await metrics();
    const req = 'ones_requests_total{route="/v1/chat/completions",client_protocol="openai",provider="openai",model="m-ok",status="200"}';
    expect(sample(after, req) - sample(before, req)).toBe(6);
    expect(sample(after, 'ones_upstream_failures_total{provider="openai",model="m-bad",kind="status"}') - sample(before, 'ones_upstream_failures_total{provider="openai",model="m-bad",kind="status"}')).toBe(1);
    expect(sample(after, 'ones_failovers_total') - sample(before, 'ones_failovers_total')).toBe(1);
    const tin = 'ones_tokens_total{provider="openai",model="m-ok",direction="in"}';
    const tout = 'ones_tokens_total{provider="openai",model="m-ok",direction="out"}';
    expect(sample(after, tin) - sample(before, tin)).toBe(6 * 7);
    expect(sample(after, tout) - sample(before, tout)).toBe(6 * 5);
    const count = 'ones_request_duration_seconds_count{route="/v1/chat/completions",provider="openai",model="m-ok"}';
    expect(sample(after, count) - sample(before, count)).toBe(6);
    const ttfb = 'ones_time_to_first_byte_seconds_count{route="/v1/chat/completions",provider="openai",model="m-ok"}';
    expect(sample(after, ttfb) - sample(before, ttfb)).toBe(6);
    expect(sample(after, 'ones_models_cooling_down')).toBe(1);
    expect(sample(after, 'ones_streams_in_flight')).toBe(0);
    expect(after.has('ones_sessions_stored')).toBe(true);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    // a model nobody lists is "other", not a label of its own
    const unknown = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-ones-strict': '1' } }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.APIError);
    const labels = [...(await metrics()).keys()].filter((k) => k.startsWith('ones_requests_total'));
    expect(labels.some((k) => k.includes('no-such-model'))).toBe(false);
    expect(labels.some((k) => k.includes('model="other"'))).toBe(true);
  });

  it('a request\'s log line has every field; x-request-id is honoured and returned, else generated', async () => {
    const res = await fetch(r.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-request-id': 'req-ops-1', 'x-session-id': 'sess-ops-1', cookie: COOKIE },
      body: JSON.stringify({ model: 'm-ok', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-ops-1');
    const generated = (await fetch(r.url + '/health')).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-\d+$/);
    // the access line, then (DEBUG) the upstream summary
    await until(() => r.out().includes('"requestId":"req-ops-1"') && r.out().includes('"requestId":"req-ops-1","upstream"'));
    const line = records(r.out()).find((l) => l.requestId === 'req-ops-1' && l.msg === 'request')!;
    expect(line).toMatchObject({ level: 'info', method: 'POST', route: '/v1/chat/completions', clientProtocol: 'openai', modelAsked: 'm-ok', modelServed: 'm-ok', provider: 'openai', attempts: 1, status: 200, tokensIn: 7, tokensOut: 5, sessionId: 'sess-ops-1' });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.ttfbMs).toBe('number');
    // DEBUG adds the upstream summaries
    expect(records(r.out()).some((l) => l.msg === 'upstream answer' && (l as any).requestId === 'req-ops-1')).toBe(true);
    expect(records(r.out()).some((l) => l.msg === 'upstream call failed')).toBe(true);
  });

  it('the status page in Chromium: only version and health without the token, the rest with it', async () => {
    // some traffic of its own: two answers, and a failing model that fails over and cools down
    for (const model of ['m-ok', 'm-ok', 'm-bad']) await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
      await page.goto(r.url + '/');
      expect(await page.textContent('#version')).toBeTruthy();
      expect(await page.textContent('#health')).toBe('ok');
      expect(await page.locator('#models').count()).toBe(0);
      expect(await page.content()).not.toContain('m-ok');
      await page.fill('input[name=token]', TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('#models');
      expect(await page.textContent('#workers')).toBe('1');
      expect(await page.textContent('#storage')).toContain('memory');
      const providers = await page.locator('#providers tbody tr').allTextContents();
      expect(providers).toEqual([expect.stringMatching(/^openai2/)]);
      const ok = (await page.locator('#models tbody tr', { hasText: 'openai/m-ok' }).locator('td').allTextContents()).map((s) => s.trim());
      expect(Number(ok[1])).toBeGreaterThanOrEqual(3);
      expect(ok[2]).toBe('100.0 %');
      expect(ok[3]).toMatch(/^\d+ ms$/);
      const bad = (await page.locator('#models tbody tr', { hasText: 'openai/m-bad' }).locator('td').allTextContents()).map((s) => s.trim());
      expect(bad[2]).toBe('0.0 %');
      expect(Number(bad[1])).toBeGreaterThanOrEqual(1);
      expect(bad[4]).toMatch(/^\d\d:\d\d:\d\d UTC$/); // cooling down until
      expect(await page.locator('#chat-routes li').allTextContents()).toEqual(['POST /v1/chat/completions', 'POST /api/v1/chat/completions']);
      await page.screenshot({ path: new URL('status.png', OUTPUT).pathname, fullPage: true });
      // the header works as well as the form
      const ctx = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
      const p2 = await ctx.newPage();
      await p2.goto(r.url + '/');
      expect(await p2.locator('#models').count()).toBe(1);
    } finally {
      await browser.close();
    }
  });

  it('no secret appears anywhere in the logs of the whole run', () => {
    const out = r.out() + r.err();
    expect(out.length).toBeGreaterThan(1000);
    for (const secret of [TOKEN, KEY, COOKIE, 'cookie-Secret-2323']) expect(out).not.toContain(secret);
  });
});

describe('/health', () => {
  it('says degraded (still 200) with the reason when no provider has a model', async () => {
    const empty = await startMockUpstream({ protocol: 'openai', models: [] });
    const r = await startCli(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: empty.baseURL, METRICS_PUBLIC: 'true', TOKEN: 't' });
    try {
      const h = await fetch(r.url + '/health');
      expect(h.status).toBe(200);
      expect(await h.json()).toMatchObject({ status: 'degraded', reason: expect.stringContaining('no provider lists a model') });
      expect((await fetch(r.url + '/health', { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(r.url + '/metrics')).status).toBe(200); // METRICS_PUBLIC
    } finally {
      r.proc.kill('SIGTERM');
      await r.exited;
      await empty.close();
    }
  });
});

describe('a cluster', () => {
  it('the primary aggregates every worker\'s metrics (one call: aggregateWorkerMetrics)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const app = new URL('../helpers/cluster-metrics-app.mjs', import.meta.url).pathname;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [app], { env: { ...process.env, PORT: String(port) }, timeout: 20_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
    );
    // each of the two workers counted 3: the answer, from one worker, says 6
    expect(out).toContain('ones_requests_total{route="/",client_protocol="none",provider="none",model="none",status="200"} 6');
  });
});
