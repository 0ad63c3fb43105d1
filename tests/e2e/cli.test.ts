import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/cli.js', import.meta.url));
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|ANTHROPIC|DEGPT|TOKEN|PORT|HOST|ONES_)/.test(k)));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Starts the CLI and resolves with its start-up line. */
function start(args: string[], env: Record<string, string>): Promise<{ proc: ChildProcess; line: string; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env } });
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('ones-proxy '));
      const m = line?.match(/listening on (\S+);/);
      if (line && m) resolve({ proc, line, url: m[1]! });
    });
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

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
    const dir = mkdtempSync(join(tmpdir(), 'ones-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ providers: [{ name: 'x', type: 'openai', baseURL: 'not a url' }] }));
    const e = await run(['--config', join(dir, 'bad.json')]);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/providers\.0\.baseURL/);
  });

  it('starts, prints one line saying where and what it found, serves, and stops on SIGTERM', async () => {
    const { proc, line, url } = await start(['--port', '0', '--host', '127.0.0.1', '--token', 'tkn'], { OPENAI_BASE_URL: oa.baseURL, OPENAI_API_KEY: 'sk-test' });
    try {
      expect(line).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; providers: openai \(3 models\); 3 models; token required/);
      const r = await fetch(url + '/v1/chat/completions', { method: 'POST', headers: { authorization: 'Bearer tkn', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm2', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(200);
    } finally {
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

describe('ones-proxy CLI logs', () => {
  it('--debug logs one line per request saying which model answered, and no secret', async () => {
    const up = await startMockUpstream({ protocol: 'openai', models: ['m1'] });
    const proc = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1', '--debug'], { env: { ...cleanEnv(), OPENAI_BASE_URL: up.baseURL, OPENAI_API_KEY: 'sk-debug-secret-123456' } });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 100 && !/listening on (\S+);/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      const url = out.match(/listening on (\S+);/)![1]!;
      const r = await fetch(url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(200);
      for (let i = 0; i < 40 && !out.includes('"msg":"request"'); i++) await new Promise((r) => setTimeout(r, 50));
      const line = JSON.parse(out.split('\n').find((l) => l.includes('"msg":"request"'))!);
      expect(line).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 200, model: 'm1', provider: 'openai', attempts: '1' });
      expect(out).not.toContain('sk-debug-secret-123456');
    } finally {
      proc.kill('SIGTERM');
      await up.close();
    }
  });
});
