import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadPort } from '../helpers/dead-ends.js';
import { CLI, cleanEnv, records, runCli as run, startCli as start, type Running } from '../helpers/cli.js';
import { startFakeDegpt, type FakeDegpt } from '../helpers/fake-degpt.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ones-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file and returns its path. */
function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Stops a started CLI with SIGTERM; resolves with its exit code. */
async function stop(r: Running): Promise<number | string | null> {
  r.proc.kill('SIGTERM');
  return r.exited;
}

const warnings = (r: Running) => records(r.out()).filter((l) => l.level === 'warn').map((l) => l.msg);
const chat = (url: string, path = '/v1/chat/completions', headers: Record<string, string> = {}) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }) });

describe('ones-proxy CLI', () => {
  let oa: MockUpstream;
  beforeAll(async () => {
    oa = await startMockUpstream({ protocol: 'openai', models: ['m1', 'm2', 'm3'] });
  });
  afterAll(() => oa.close());

  it('--help and --version exit 0', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('--port');
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a clear message on a bad flag or value', async () => {
    const a = await run(['--bogus']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/bogus/);
    const b = await run(['--port', 'eighty']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--port/);
    const c = await run([], { PORT: '99999' });
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/PORT/);
    const d = await run([], { PREFIX_CHAT: 'nope' });
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/PREFIX_CHAT/);
    const e = await run(['--config', configFile('bad.json', { providers: [{ name: 'x', type: 'openai', baseURL: 'not a url' }] })]);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/providers\.0\.baseURL/);
  });

  it('starts, prints one line saying where and what it found, serves, and stops on SIGTERM', async () => {
    const r = await start(['--port', '0', '--host', '127.0.0.1', '--token', 'tkn'], { OPENAI_BASE_URL: oa.baseURL, OPENAI_API_KEY: 'sk-test' });
    try {
      expect(r.listening.msg).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; providers: openai \(3 models\); 3 models; token required$/);
      expect(r.listening).toMatchObject({ level: 'info', models: 3, tokenRequired: true, providers: [{ provider: 'openai', models: 3 }] });
      const res = await chat(r.url, '/v1/chat/completions', { authorization: 'Bearer tkn' });
      expect(res.status).toBe(200);
    } finally {
      expect(await stop(r)).toBe(0);
    }
  });

  it('a stop signal that arrives twice at once (terminal and launcher) still lets requests in flight finish', async () => {
    const slow = await startMockUpstream({ protocol: 'openai', models: ['m1'], reply: () => ({ text: 'late', delayMs: 600 }) });
    const r = await start(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: slow.baseURL });
    try {
      const inFlight = chat(r.url);
      while (slow.chats().length === 0) await new Promise((ok) => setTimeout(ok, 10));
      r.proc.kill('SIGINT');
      await new Promise((ok) => setTimeout(ok, 100));
      r.proc.kill('SIGINT');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('late');
      expect(await r.exited).toBe(0);
      expect(records(r.out()).filter((l) => l.signal === 'SIGINT')).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

describe('ones-proxy CLI configuration errors name what the user set', () => {
  it('an environment variable, not the merged option path', async () => {
    const r = await run([], { OPENAI_BASE_URL: 'not-a-url' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('OPENAI_BASE_URL: Invalid URL');
    expect(r.err).not.toContain('providers.0');
    const s = await run([], { SESSION_STORAGE_TYPE: 'mongo' });
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/SESSION_STORAGE_TYPE: Invalid option/);
    const t = await run([], { COOLDOWN: '5', OPENAI_API_KEY: 'k', ANTHROPIC_BASE_URL: 'ftp://x' });
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/ANTHROPIC_BASE_URL: /);
  });

  it('a config file field by its path in that file (provider order differs from the merged one)', async () => {
    // the file's DeGPT entry is dropped by DEGPT_ENABLED=false, so the bad provider is the merged providers.0
    const file = configFile('second.json', { providers: [{ name: 'd', type: 'degpt', baseURL: 'http://127.0.0.1:1/api', authId: 'a', userAgent: 'u' }, { name: 'x', type: 'openai', baseURL: 'nope' }] });
    const r = await run(['--config', file], { DEGPT_ENABLED: 'false' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`config file ${file}: providers.1.baseURL: Invalid URL`);
  });

  it('header-bound values that HTTP cannot carry are refused at start-up, never quoted', async () => {
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ ANTHROPIC_API_KEY: 'sk-ant-…' }, [], /ANTHROPIC_API_KEY: contains the non-ASCII character "…" \(U\+2026\)/],
      [{ OPENAI_API_KEY: 'sk-secret-value\n' }, [], /OPENAI_API_KEY: ends with a line break/],
      [{ DEGPT_AUTH_COOKIE: 'a=b\r\nx-evil: 1' }, [], /DEGPT_AUTH_COOKIE: contains a line break \(CR\/LF\)/],
      [{ DEGPT_USER_AGENT: 'Mozilla ' }, [], /DEGPT_USER_AGENT: starts or ends with whitespace/],
      [{ TOKEN: 'tök' }, [], /TOKEN: contains the non-ASCII character "ö"/],
      [{}, ['--token', 'secret\t'], /--token: starts or ends with whitespace/],
    ];
    for (const [env, args, want] of cases) {
      const r = await run(args, env);
      expect(r.code, JSON.stringify(env)).toBe(2);
      expect(r.err).toMatch(want);
      expect(r.err).not.toContain('sk-secret-value');
    }
    const file = configFile('headers.json', {
      providers: [{ name: 'g', type: 'openai', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'G_KEY', headers: { 'x-team': 'a\r\nx-injected: 1', 'bad name': 'v' } }],
    });
    const r = await run(['--config', file], { G_KEY: 'gk-…' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`G_KEY (named by config file ${file}: providers.0.apiKeyEnv): contains the non-ASCII character`);
    expect(r.err).toContain(`config file ${file}: providers.0.headers.x-team: contains a line break`);
    expect(r.err).toContain(`config file ${file}: providers.0.headers.bad name: not a valid header name`);
  });

  it('two providers with the same name, and a config file that is not an object, are refused', async () => {
    const dup = configFile('dup.json', { providers: [{ name: 'a', type: 'openai', baseURL: 'http://127.0.0.1:1/v1' }, { name: 'a', type: 'anthropic', baseURL: 'http://127.0.0.1:2' }] });
    const d = await run(['--config', dup]);
    expect(d.code).toBe(2);
    expect(d.err).toContain(`config file ${dup}: providers.1.name: provider name "a" is used twice`);
    for (const [name, content, got] of [
      ['array.json', '[]', 'an array'],
      ['string.json', '"providers"', 'a string'],
      ['null.json', 'null', 'null'],
    ]) {
      const r = await run(['--config', configFile(name!, content)]);
      expect(r.code, name).toBe(2);
      expect(r.err).toContain(`must hold a JSON object`);
      expect(r.err).toContain(`got ${got}`);
    }
  });
});

describe('ones-proxy CLI start-up warnings', () => {
  let oa: MockUpstream;
  let degpt: FakeDegpt;
  beforeAll(async () => {
    oa = await startMockUpstream({ protocol: 'openai', models: ['m1'] });
    degpt = await startFakeDegpt();
  });
  afterAll(async () => {
    await oa.close();
    await degpt.close();
  });

  it('every stdout line is a JSON record with a level label, warnings before the listening line', async () => {
    const r = await start(['--port', '0', '--host', '127.0.0.1'], { DEGPT_ENABLED: 'false', PREFIX_CHAT: '/p', APPEND_CHAT: '/a' });
    expect(await stop(r)).toBe(0);
    const lines = records(r.out());
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'info', 'info']);
    expect(lines[2]!.msg).toMatch(/listening on/);
    expect(lines[3]).toMatchObject({ signal: 'SIGTERM', msg: 'SIGTERM received, finishing requests in flight' });
    expect(r.err()).toBe('');
  });

  it('no provider configured: says what is wrong and which variables to set', async () => {
    const r = await start(['--port', '0', '--host', '127.0.0.1'], { DEGPT_ENABLED: 'false' });
    await stop(r);
    const [w] = warnings(r);
    expect(w).toMatch(/no provider is configured, so every chat request will fail/);
    for (const v of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', '"providers"', 'ONES_CONFIG', 'DEGPT_ENABLED=false']) expect(w).toContain(v);
    expect(r.listening.msg).toContain('providers: none; 0 models');
  });

  it('the default DeGPT provider says where prompts go and how to turn it off; a chosen one does not', async () => {
    const r = await start(['--port', '0', '--host', '127.0.0.1'], { DEGPT_BASE_URL: degpt.baseURL });
    await stop(r);
    const host = new URL(degpt.baseURL).host;
    expect(r.listening.msg).toContain(`providers: degpt (3 models; default; prompts go to ${host} — set DEGPT_ENABLED=false to turn off)`);
    const chosen = await start(['--port', '0', '--host', '127.0.0.1'], { DEGPT_BASE_URL: degpt.baseURL, DEGPT_ENABLED: 'true' });
    await stop(chosen);
    expect(chosen.listening.msg).toContain('providers: degpt (3 models);');
  });

  it('a configured key on a non-loopback address without TOKEN is warned about; with TOKEN or on loopback it is not', async () => {
    const env = { OPENAI_BASE_URL: oa.baseURL, OPENAI_API_KEY: 'sk-open' };
    const open = await start(['--port', '0', '--host', '0.0.0.0'], env);
    await stop(open);
    expect(warnings(open)).toEqual([expect.stringMatching(/^listening on 0\.0\.0\.0 with no TOKEN: anyone who can reach this port can use the credentials configured for openai; set TOKEN/)]);
    expect(open.out()).not.toContain('sk-open');
    for (const [args, extra] of [
      [['--host', '0.0.0.0', '--token', 't0k'], {}],
      [['--host', '127.0.0.1'], {}],
      [['--host', '0.0.0.0'], { OPENAI_API_KEY: '' }],
    ] as const) {
      const r = await start(['--port', '0', ...args], { ...env, ...extra });
      await stop(r);
      expect(warnings(r), args.join(' ')).toEqual([]);
    }
  });

  it('chat path variables: an ignored one is warned about, the paths served are in the start-up line', async () => {
    const r = await start(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: oa.baseURL, REPLACE_CHAT: '/only', APPEND_CHAT: '/extra', PREFIX_CHAT: '/p' });
    try {
      expect(warnings(r)).toEqual([
        'PREFIX_CHAT is ignored: REPLACE_CHAT is set and takes precedence (REPLACE_CHAT, then PREFIX_CHAT, then APPEND_CHAT; only one applies)',
        'APPEND_CHAT is ignored: REPLACE_CHAT is set and takes precedence (REPLACE_CHAT, then PREFIX_CHAT, then APPEND_CHAT; only one applies)',
      ]);
      expect(r.listening.msg).toMatch(/; chat paths: \/only$/);
      expect((await chat(r.url, '/only')).status).toBe(200);
      expect((await chat(r.url, '/extra')).status).toBe(404);
      expect((await chat(r.url, '/v1/chat/completions')).status).toBe(404);
    } finally {
      await stop(r);
    }
    const p = await start(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: oa.baseURL, PREFIX_CHAT: '/team' });
    await stop(p);
    expect(warnings(p)).toEqual([]);
    expect(p.listening.msg).toMatch(/; chat paths: \/team\/api\/v1\/chat\/completions$/);
  });

  it('redis storage that cannot be reached: it starts, says so once, and never prints the password', async () => {
    const port = await deadPort();
    const file = configFile('session.json', { session: { storage: 'redis', timeoutSeconds: 60, redisUrl: `redis://user:pw-secret@127.0.0.1:${port}` } });
    // one process (redis storage would otherwise default to several workers, each with its own connection)
    const r = await start(['--port', '0', '--host', '127.0.0.1', '--workers', '1', '--config', file], { OPENAI_BASE_URL: oa.baseURL, SESSION_TIMEOUT: '90' });
    await new Promise((ok) => setTimeout(ok, 500));
    await stop(r);
    expect(r.out()).toContain('redis unavailable');
    expect(r.out().match(/redis unavailable/g)).toHaveLength(1);
    expect(r.out()).not.toContain('pw-secret');
  });
});

describe('ones-proxy CLI logs', () => {
  it('one line per request saying which model answered, and no secret, with --debug too', async () => {
    const up = await startMockUpstream({ protocol: 'openai', models: ['m1'] });
    const r = await start(['--port', '0', '--host', '127.0.0.1', '--debug'], { OPENAI_BASE_URL: up.baseURL, OPENAI_API_KEY: 'sk-debug-secret-123456' });
    try {
      const res = await chat(r.url);
      expect(res.status).toBe(200);
      for (let i = 0; i < 40 && !r.out().includes('"msg":"request"'); i++) await new Promise((ok) => setTimeout(ok, 50));
      const line = records(r.out()).find((l) => l.msg === 'request');
      expect(line).toMatchObject({ level: 'info', method: 'POST', route: '/v1/chat/completions', status: 200, modelServed: 'm1', provider: 'openai', attempts: 1 });
      expect(r.out()).not.toContain('sk-debug-secret-123456');
    } finally {
      await stop(r);
      await up.close();
    }
  });

  it('a start-up failure after the configuration is read is a plain message on stderr, exit 1', async () => {
    const first = await start(['--port', '0', '--host', '127.0.0.1'], { DEGPT_ENABLED: 'false' });
    try {
      const port = new URL(first.url).port;
      const p = spawn(process.execPath, [CLI, '--port', port, '--host', '127.0.0.1'], { env: { ...cleanEnv(), OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' } });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      const code = await new Promise((ok) => p.on('exit', ok));
      expect(code).toBe(1);
      expect(err).toMatch(/^ones-proxy: could not start: .*EADDRINUSE/);
    } finally {
      await stop(first);
    }
  });
});
