import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { deadPort } from './dead-ends.js';

/** A private redis-server on its own loopback port, started and stopped (by its PID) by the test. */
export interface TestRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** sends one inline command, resolves with the raw reply */
  command(line: string): Promise<string>;
}

function send(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\r\n`));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (got.endsWith('\r\n')) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await deadPort();
  let proc: ChildProcess | null = null;
  const r: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    command: (line) => send(port, line),
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await send(port, 'PING').then((x) => x.startsWith('+PONG'), () => false)) return;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new Error(`redis-server did not start on ${port}`);
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise((ok) => p.once('exit', ok));
      p.kill('SIGKILL');
      await gone;
    },
  };
  await r.start();
  return r;
}
