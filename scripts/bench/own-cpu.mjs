#!/usr/bin/env node
// The proxy's own CPU per request, without sockets: proxy.handle() on the built
// core, the upstream a dispatcher that answers at once from the mock's
// prebuilt answers, 32 requests in flight. What is left out (node:http,
// undici, the kernel) is the same for every scenario, so differences here are
// the proxy's own code, measured with far less noise than through the network.
//
//   node scripts/bench/own-cpu.mjs [scenario …]    (default: all)
//   ROUNDS=7 REQUESTS=20000 node scripts/bench/own-cpu.mjs a2o-stream o2a
//   node scripts/bench/own-cpu.mjs openai-passthrough openai-passthrough-ops   (metrics + access log on: the *-ops scenarios)
//
// Prints the lowest and the median µs per request over ROUNDS rounds per
// scenario, rounds of all scenarios interleaved.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAnswer } from './mock.mjs';

const root = new URL('../..', import.meta.url).pathname;
const core = join(root, 'packages/core/dist/index.js');
const { createProxy, ClientSignal } = await import(pathToFileURL(core).href).catch(() => {
  console.error(`own-cpu: ${core} is missing: build first (pnpm build)`);
  process.exit(2);
});

const SHAPE = { chunks: 20, chunkSize: 8 };
const answers = new Map();
for (const protocol of ['openai', 'anthropic'])
  for (const stream of [false, true])
    for (const usage of [false, true]) {
      const a = buildAnswer(protocol, protocol === 'openai' ? 'm' : 'c', stream, usage, SHAPE);
      answers.set(`${protocol}|${stream}|${usage}`, a.whole ?? Buffer.concat([].concat(a.body ?? a)));
    }

/** An undici dispatcher that answers every call from the prebuilt answers, in the next microtask. */
const controller = { paused: false, aborted: false, abort() {}, pause() {}, resume() {} };
const dispatcher = {
  dispatch(opts, handler) {
    // a few string checks, not a parse: the stand-in upstream should cost next to nothing
    const body = typeof opts.body === 'string' ? opts.body : Buffer.from(opts.body).toString('latin1');
    const protocol = opts.path.endsWith('/messages') ? 'anthropic' : 'openai';
    const stream = body.includes('"stream":true');
    const answer = answers.get(`${protocol}|${stream}|${body.includes('"include_usage":true')}`);
    queueMicrotask(() => {
      handler.onRequestStart?.(controller, {});
      handler.onResponseStart(controller, 200, { 'content-type': stream ? 'text/event-stream' : 'application/json' }, 'OK');
      handler.onResponseData(controller, answer);
      handler.onResponseEnd(controller, {});
    });
    return true;
  },
  close: async () => {},
  destroy: async () => {},
  on() {
    return this;
  },
  once() {
    return this;
  },
  off() {
    return this;
  },
};

// keys of a real key's length: the proxy masks configured secrets in what upstreams send, and that has a cost
const KEY = 'sk-bench-0123456789abcdefghijklmnopqrstuvwxyz0123';
const PROVIDERS = [
  { name: 'oa', type: 'openai', baseURL: 'http://mock.invalid/v1', apiKey: KEY, models: ['m'] },
  { name: 'an', type: 'anthropic', baseURL: 'http://mock.invalid', apiKey: KEY, models: ['c'] },
];
const proxy = createProxy({ dispatcher, providers: PROVIDERS });

// with sessions: a second proxy whose sessions keep 20 messages, so every request carries a 20-message history
const sessionProxy = createProxy({ dispatcher, session: { maxMessages: 20 }, providers: PROVIDERS });

// operations on: metrics (prom-client) and the access log (pino, the CLI's options) writing to a stream
// that discards, so what is measured is building and formatting the line, not the terminal
const { createOps } = await import(pathToFileURL(join(root, 'packages/server/dist/index.js')).href);
const pino = createRequire(join(root, 'packages/cli/package.json'))('pino');
const REDACT = ['token', 'apiKey', 'authorization', 'headers.authorization', 'headers["x-api-key"]', 'headers.cookie', '*.apiKey', '*.token', '*.authCookie', 'authCookie'];
const discard = { write() {} };
const opsLog = pino({ level: 'info', redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid }, formatters: { level: (label) => ({ level: label }) } }, discard);
function observedProxy(options) {
  const ops = createOps(options);
  const p = createProxy({ dispatcher, logger: opsLog, observer: ops.observer, providers: PROVIDERS });
  ops.attach(p);
  return p;
}
// as the CLI has it: the access line goes straight to the logger's destination
const opsProxy = observedProxy({ logger: opsLog, accessLog: (line) => discard.write(line) });
// the same split: an observer that does nothing (the record alone), the access log alone, metrics alone
const recordProxy = createProxy({ dispatcher, logger: opsLog, observer: { request() {} }, providers: PROVIDERS });
const logProxy = observedProxy({ logger: opsLog, accessLog: (line) => discard.write(line), metrics: false });
const metricsProxy = observedProxy({});

const OA = { path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer k' } };
const AN = { path: '/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } };
const RS = { path: '/v1/responses', headers: { 'content-type': 'application/json', authorization: 'Bearer k' } };
const messages = [{ role: 'user', content: 'Say something short.' }];
const body = (o) => Buffer.from(JSON.stringify({ messages, max_tokens: 64, ...o }));
const SCENARIOS = {
  'openai-passthrough': { ...OA, body: body({ model: 'm' }) },
  'openai-passthrough-stream': { ...OA, body: body({ model: 'm', stream: true, stream_options: { include_usage: true } }) },
  'a2o-stream': { ...AN, body: body({ model: 'm', stream: true }) },
  a2o: { ...AN, body: body({ model: 'm' }) },
  o2a: { ...OA, body: body({ model: 'c' }) },
  'o2a-stream': { ...OA, body: body({ model: 'c', stream: true }) },
  // a Responses client, an OpenAI Chat Completions upstream: the translation (store: false, as Codex sends), and with
  // the answer kept for previous_response_id (the API's default)
  'r2o-stream': { ...RS, body: Buffer.from(JSON.stringify({ model: 'm', input: messages, max_output_tokens: 64, stream: true, store: false })) },
  'r2o-stream-stored': { ...RS, body: Buffer.from(JSON.stringify({ model: 'm', input: messages, max_output_tokens: 64, stream: true })) },
  'openai-passthrough-ops': { ...OA, body: body({ model: 'm' }), proxy: opsProxy },
  'openai-passthrough-record': { ...OA, body: body({ model: 'm' }), proxy: recordProxy },
  'openai-passthrough-log': { ...OA, body: body({ model: 'm' }), proxy: logProxy },
  'openai-passthrough-metrics': { ...OA, body: body({ model: 'm' }), proxy: metricsProxy },
  'openai-passthrough-stream-ops': { ...OA, body: body({ model: 'm', stream: true, stream_options: { include_usage: true } }), proxy: opsProxy },
  'a2o-stream-ops': { ...AN, body: body({ model: 'm', stream: true }), proxy: opsProxy },
  'openai-session': { ...OA, body: body({ model: 'm', session_id: 'bench-openai' }), proxy: sessionProxy },
  'anthropic-session-stream': { ...AN, body: body({ model: 'c', stream: true, session_id: 'bench-anthropic' }), proxy: sessionProxy },
};

async function once({ path, headers, body, proxy: p = proxy }) {
  const out = await p.handle({ method: 'POST', path, search: '', headers, readBody: async () => body, signal: new ClientSignal() });
  if (out.status !== 200) throw new Error(`${path} answered ${out.status}: ${out.body}`);
  if (out.stream) for await (const chunk of out.stream) void chunk;
}

async function drive(s, n, inFlight = 32) {
  let left = n;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (left-- > 0) await once(s);
  }));
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
const unknown = names.filter((n) => !SCENARIOS[n]);
if (unknown.length) {
  console.error(`own-cpu: no scenario ${unknown.join(', ')} (there are ${Object.keys(SCENARIOS).join(', ')})`);
  process.exit(2);
}
const requests = Number(process.env.REQUESTS ?? 20_000);
// COUNTS="scenario=n,…": a number of requests of its own for a scenario (own-instructions.mjs varies one at a time)
const counts = Object.fromEntries((process.env.COUNTS ?? '').split(',').filter(Boolean).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
const rounds = Number(process.env.ROUNDS ?? 5);
for (const n of names) await drive(SCENARIOS[n], 5000); // warm-up
const us = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < rounds; r++)
  for (const n of names) {
    const t = process.cpuUsage();
    await drive(SCENARIOS[n], counts[n] ?? requests);
    const d = process.cpuUsage(t);
    us[n].push((d.user + d.system) / (counts[n] ?? requests));
  }
console.log(`own CPU per request, µs (${rounds} rounds × ${Object.keys(counts).length ? 'COUNTS' : requests.toLocaleString('en-US')} requests, 32 in flight)`);
for (const n of names) {
  const v = us[n].sort((a, b) => a - b);
  console.log(`  ${n.padEnd(28)} lowest ${v[0].toFixed(1).padStart(5)}   median ${v[v.length >> 1].toFixed(1).padStart(5)}`);
}
