#!/usr/bin/env node
// Throughput of the built CLI by storage and worker count, each run against the
// same local mock, alternating, in one session: memory vs redis storage (requests
// with a session and without) and WORKERS=1 vs 2. Load generator, mock, Redis and
// the proxy share this machine's cores, so read ratios, not absolute figures.
//
//   node scripts/bench/scale.mjs [--seconds 4] [--rounds 2] [--redis redis://127.0.0.1:6379]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startMock } from './mock.mjs';

const root = new URL('../..', import.meta.url).pathname;
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const seconds = Number(arg('seconds', 4));
const rounds = Number(arg('rounds', 2));
const redisUrl = arg('redis', 'redis://127.0.0.1:6379');

const mock = await startMock({ port: 0, host: '127.0.0.1', models: ['m'], chunks: 20, chunkSize: 8 });
const upstream = `http://127.0.0.1:${mock.port}/v1`;

function startCli(env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, 'packages/cli/dist/cli.js'), '--port', '0', '--host', '127.0.0.1'], {
      env: { PATH: process.env.PATH, OPENAI_BASE_URL: upstream, OPENAI_API_KEY: 'sk-bench-000000', DEGPT_ENABLED: 'false', ...env },
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^;"]+)/.exec(out);
      if (m) resolve({ p, url: m[1] });
    });
    p.on('exit', (c) => reject(new Error(`cli exited ${c}: ${out}`)));
  });
}

const body = (session) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...(session ? { session_id: session } : {}) });

async function load(url, session) {
  // a session's history grows each turn: every connection gets sessions of its own, renewed, so histories stay short
  let n = 0;
  const r = await autocannon({
    url: url + '/v1/chat/completions',
    method: 'POST',
    connections: 32,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body(session ? `bench-${process.pid}-${n++ % 64}-${Math.floor(n / 640)}` : null) }) }],
  });
  return { rps: r.requests.average, non2xx: r.non2xx + r.errors };
}

const configs = [
  ['memory, 1 worker', { WORKERS: '1' }],
  ['redis, 1 worker', { WORKERS: '1', SESSION_STORAGE_TYPE: 'redis', REDIS_URL: redisUrl, REDIS_PREFIX: `bench${process.pid}:` }],
  ['memory, 2 workers', { WORKERS: '2' }],
];
const results = {};
for (let r = 0; r < rounds; r++)
  for (const [name, env] of configs) {
    const cli = await startCli(env);
    await load(cli.url, false); // warm-up
    for (const session of [false, true]) {
      const k = `${name}${session ? ', with a session' : ''}`;
      (results[k] ??= []).push(await load(cli.url, session));
    }
    cli.p.kill('SIGTERM');
    await new Promise((ok) => cli.p.once('exit', ok));
  }
await new Promise((ok) => mock.server.close(ok));
console.log(`req/s, best of ${rounds} rounds × ${seconds} s, 32 connections, non-stream OpenAI passthrough`);
for (const [k, v] of Object.entries(results)) {
  const best = Math.max(...v.map((x) => x.rps));
  console.log(`  ${k.padEnd(40)} ${best.toFixed(0).padStart(7)}   errors/non-2xx ${v.reduce((a, x) => a + x.non2xx, 0)}`);
}
process.exit(0);
