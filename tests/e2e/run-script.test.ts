// `npm start` under a process manager: scripts/run.mjs runs the server as its
// child, passes stop signals on and exits the way the child did, so nothing is
// left listening once the launcher is gone. Runs the built cli (no build here:
// run.mjs only builds when dist is older than the sources).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, startCli, type Running } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const RUN = join(ROOT, 'scripts/run.mjs');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether something accepts connections on the URL's port. */
const listening = (url: string) =>
  new Promise<boolean>((resolve) => {
    const s = connect(Number(new URL(url).port), '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await check()) return true;
  return check();
}

describe('scripts/run.mjs start', () => {
  let oa: MockUpstream;
  const started: Running[] = [];
  const start = async () => {
    const r = await startCli(['--port', '0', '--host', '127.0.0.1'], { OPENAI_BASE_URL: oa.baseURL }, [RUN, 'start']);
    started.push(r);
    // the pid in the log records is the server's own: a child of run.mjs, not run.mjs
    const server = r.listening.pid;
    expect(server).not.toBe(r.proc.pid);
    expect(await listening(r.url)).toBe(true);
    return { ...r, server };
  };
  beforeAll(async () => {
    oa = await startMockUpstream({ protocol: 'openai', models: ['m1'] });
  });
  afterAll(async () => {
    for (const r of started) if (alive(r.listening.pid)) process.kill(r.listening.pid, 'SIGKILL');
    await oa.close();
  });

  it('SIGTERM to run.mjs stops the server (graceful, exit 0): port closed, child gone', async () => {
    const r = await start();
    expect(r.err()).toContain('> starting ones-proxy');
    r.proc.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(alive(r.server)).toBe(false);
    expect(await listening(r.url)).toBe(false);
    expect(r.out()).toContain('SIGTERM received, finishing requests in flight');
  });

  it('SIGHUP is passed on and reloads the config: the server goes on, and a later SIGTERM still ends both with 0', async () => {
    const r = await start();
    r.proc.kill('SIGHUP');
    expect(await until(() => r.out().includes('"msg":"config reloaded"'))).toBe(true);
    expect(r.out()).toContain('SIGHUP received, reloading the config file');
    expect(alive(r.server) && alive(r.proc.pid!)).toBe(true);
    expect((await fetch(r.url + '/health')).status).toBe(200);
    r.proc.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(alive(r.server)).toBe(false);
    expect(await listening(r.url)).toBe(false);
  });

  it('started directly from a shell that then exits, it keeps running (only npm’s exit stops it)', async () => {
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${RUN}" start --port 0 --host 127.0.0.1 & echo "run.mjs $!"`], { env: { ...cleanEnv(), OPENAI_BASE_URL: oa.baseURL }, cwd: ROOT });
    let out = '';
    sh.stdout.on('data', (d) => (out += d));
    await new Promise((r) => sh.on('exit', r));
    expect(await until(() => / listening on /.test(out), 15000)).toBe(true);
    const run = Number(/run\.mjs (\d+)/.exec(out)![1]);
    const record = JSON.parse(out.split('\n').find((l) => l.includes(' listening on '))!);
    await new Promise((r) => setTimeout(r, 1200));
    expect(alive(run) && alive(record.pid)).toBe(true);
    process.kill(run, 'SIGTERM');
    expect(await until(() => !alive(record.pid) && !alive(run))).toBe(true);
    expect(await listening(record.url)).toBe(false);
  });

  it('exits with the child’s code', async () => {
    const p = spawn(process.execPath, [RUN, 'start', '--port', 'eighty'], { env: cleanEnv(), cwd: ROOT });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    expect(await new Promise((r) => p.on('exit', r))).toBe(2);
    expect(err).toContain('--port: expected a port number');
  });

  it('npx ones-proxy inside the clone runs the local build (the root package’s bin)', async () => {
    const p = spawn('npx', ['ones-proxy', '--version'], { env: cleanEnv(), cwd: ROOT });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    expect(await new Promise((r) => p.on('exit', r))).toBe(0);
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version);
  });

  it('SIGTERM to npm (npm start): the server does not outlive it', async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0', '--host', '127.0.0.1'], { env: { ...cleanEnv(), OPENAI_BASE_URL: oa.baseURL }, cwd: ROOT });
    let out = '';
    npm.stdout.on('data', (d) => (out += d));
    expect(await until(() => / listening on /.test(out), 15000)).toBe(true);
    const record = JSON.parse(out.split('\n').find((l) => l.includes(' listening on '))!);
    npm.kill('SIGTERM');
    expect(await until(() => !alive(record.pid))).toBe(true);
    expect(await listening(record.url)).toBe(false);
  });
});
