#!/usr/bin/env node
// `pnpm bench`: what the proxy costs on the request path. Starts a fast mock
// upstream (own process), the built proxy CLI (one process) and optionally
// Portkey's gateway, drives each with autocannon, and writes docs/benchmarks.md.
// Everything listens and is driven on 127.0.0.1; every run is bounded in time.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cannon, oneConnection, summarizeUs, streamChunks } from './bench/load.mjs';
import { PORTKEY_VERSION, cpuMeter, waitQuiet, installSignalHandlers, rssOf, startMock, startPortkey, startProxy, startReference, stop, stopAll } from './bench/procs.mjs';
import { summarizeProfile } from './bench/profile.mjs';
import { consoleReport, machineInfo, markdownReport } from './bench/report.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const HELP = `Usage: node scripts/bench.mjs [options]   (or: pnpm bench [options])

  --duration <s>        measured seconds per side and scenario (default 10), split into --rounds runs
  --rounds <n>          alternating direct/proxy runs per scenario; the best of each side counts (default 3)
  --quiet-wait <s>      before each run, wait up to this long for load from outside the benchmark to
                        drop under 0.15 core (default 30; 0 = never wait); a round disturbed
                        anyway (> 0.3 core) is measured again, at most 3 times per scenario
  --quiet-budget <s>    total waiting allowed for that in one run (default 300)
  --warmup <s>          warm-up seconds before each run (default 2)
  --connections <n>     concurrent connections (default 32)
  --quick               smoke run: 3 s runs, 1 s warm-up, 20k RSS requests; prints only unless --write
  --portkey             also measure @portkey-ai/gateway ${PORTKEY_VERSION} (installed once into .bench/portkey)
  --profile [id]        CPU-profile the proxy (node --cpu-prof) under one scenario's load (default
                        openai-passthrough) and summarise
  --rss-requests <n>    requests for the RSS figure (default 100000)
  --latency-seconds <s> seconds per side for the 1-connection latency (default 3)
  --stream-seconds <s>  seconds per side for the chunks/s figure (default 5)
  --only <ids>          comma-separated scenario ids to run (throughput table only)
  --skip <parts>        comma-separated: throughput, latency, rss, chunks, or scenario ids (e.g. reference-proxy)
  --mock-latency <ms>   mock's delay before answering (default 0)
  --chunks <n>          content chunks per mock answer (default 20)
  --chunk-size <n>      characters per chunk (default 8)
  --no-write            do not rewrite docs/benchmarks.md
  --write               rewrite it even with --quick
  --report-only         measure nothing: rewrite docs/benchmarks.md from the last run's .bench/results.json
  -h, --help
`;

// `--profile` alone profiles the passthrough: give it its default value so parseArgs accepts it
const argv = process.argv.slice(2).filter((x) => x !== '--');
argv.forEach((x, i) => {
  if (x === '--profile' && (i + 1 === argv.length || argv[i + 1].startsWith('-'))) argv[i] = '--profile=openai-passthrough';
});
const { values: a } = parseArgs({
  args: argv,
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    'quiet-wait': { type: 'string' },
    'quiet-budget': { type: 'string' },
    quick: { type: 'boolean' },
    portkey: { type: 'boolean' },
    profile: { type: 'string' },
    'rss-requests': { type: 'string' },
    'latency-seconds': { type: 'string' },
    'stream-seconds': { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'mock-latency': { type: 'string' },
    chunks: { type: 'string' },
    'chunk-size': { type: 'string' },
    'no-write': { type: 'boolean' },
    write: { type: 'boolean' },
    'report-only': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (a.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (v, d, name) => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench: --${name} expects a positive number, got "${v}"`);
    process.exit(2);
  }
  return n;
};
const quick = !!a.quick;
const S = {
  duration: num(a.duration, quick ? 3 : 10, 'duration'),
  warmup: num(a.warmup, quick ? 1 : 2, 'warmup'),
  connections: num(a.connections, 32, 'connections'),
  rounds: num(a.rounds, quick ? 1 : 3, 'rounds'),
  quietWait: a['quiet-wait'] === undefined ? (quick ? 5 : 30) : Number(a['quiet-wait']),
  quietBudget: a['quiet-budget'] === undefined ? (quick ? 30 : 300) : Number(a['quiet-budget']),
  quietThreshold: 0.15,
  maxRedo: quick ? 0 : 3,
  rssRequests: num(a['rss-requests'], quick ? 20_000 : 100_000, 'rss-requests'),
  latencySeconds: num(a['latency-seconds'], quick ? 1 : 3, 'latency-seconds'),
  streamSeconds: num(a['stream-seconds'], quick ? 2 : 5, 'stream-seconds'),
  streamConnections: 8,
  mock: {
    chunks: num(a.chunks, 20, 'chunks'),
    chunkSize: num(a['chunk-size'], 8, 'chunk-size'),
    latencyMs: a['mock-latency'] === undefined || Number(a['mock-latency']) === 0 ? 0 : num(a['mock-latency'], 0, 'mock-latency'),
    longChunks: 2000,
  },
};
const only = a.only ? new Set(a.only.split(',')) : null;
const skip = new Set((a.skip ?? '').split(',').filter(Boolean));
const write = a['no-write'] ? false : quick ? !!a.write : true;
const benchDir = join(root, '.bench');
mkdirSync(benchDir, { recursive: true });

// undici from the proxy's own dependencies (the version the proxy runs with)
const requireCore = createRequire(join(root, 'packages/core/package.json'));
const undici = requireCore('undici');
const versionOf = (req, name) => {
  try {
    return JSON.parse(readFileSync(req.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    try {
      // packages whose exports hide package.json
      for (let dir = join(req.resolve(name), '..'); dir !== '/'; dir = join(dir, '..')) {
        const f = join(dir, 'package.json');
        if (existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).name === name) return JSON.parse(readFileSync(f, 'utf8')).version;
      }
      return 'unknown';
    } catch {
      return 'unknown';
    }
  }
};

/** Any healthy provider may answer (the router orders them), never the failing one. */
function healthyProvider(res) {
  const by = res.headers.get('x-ones-provider');
  if (!by || by === 'flaky') throw new Error(`answered by ${by ?? 'no provider header'}, expected a healthy provider`);
}

// ---------------------------------------------------------------- request shapes
const SYSTEM = 'You are a concise assistant. Answer in one short paragraph.';
const USER = 'Summarise in two sentences why an HTTP proxy should keep its upstream connections alive.';
const OA_H = { 'content-type': 'application/json', authorization: 'Bearer bench-key' };
const AN_H = { 'content-type': 'application/json', 'x-api-key': 'bench-key', 'anthropic-version': '2023-06-01' };
const oa = (extra) => JSON.stringify({ model: 'm', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }], max_tokens: 256, temperature: 0.2, ...extra });
const an = (extra) => JSON.stringify({ model: 'c', system: SYSTEM, messages: [{ role: 'user', content: USER }], max_tokens: 256, temperature: 0.2, ...extra });
const OA_PATH = '/v1/chat/completions';
const AN_PATH = '/v1/messages';

const D_OA = { path: OA_PATH, headers: OA_H, body: oa() };
const D_OA_STREAM = { path: OA_PATH, headers: OA_H, body: oa({ stream: true, stream_options: { include_usage: true } }) };
const D_AN = { path: AN_PATH, headers: AN_H, body: an() };

// answer checks, run once before each measured scenario (a fast wrong answer is no figure)
const expectedText = (chunks, size) => {
  const W = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';
  let s = '';
  for (let i = 0; i < chunks * size; i++) s += W[i % W.length];
  return s;
};
const TEXT = expectedText(S.mock.chunks, S.mock.chunkSize);
const count = (s, m) => s.split(m).length - 1;
const checks = {
  openai: (res, text) => {
    const j = JSON.parse(text);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    if (j.choices?.[0]?.message?.content !== TEXT) throw new Error(`unexpected content: ${text.slice(0, 200)}`);
  },
  openaiStream: (res, text) => {
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    if (!text.trimEnd().endsWith('data: [DONE]')) throw new Error('stream does not end with [DONE]');
    const n = count(text, '"delta":{"content":');
    if (n !== S.mock.chunks) throw new Error(`${n} content chunks, expected ${S.mock.chunks}`);
  },
  anthropicStream: (res, text) => {
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    if (text.includes('event: error')) throw new Error(`error event in stream: ${text.slice(text.indexOf('event: error'), 300)}`);
    if (!text.includes('event: message_stop')) throw new Error('stream has no message_stop');
    const n = count(text, 'event: content_block_delta');
    if (n !== S.mock.chunks) throw new Error(`${n} content_block_delta events, expected ${S.mock.chunks}`);
    const got = [...text.matchAll(/"text_delta","text":"([^"]*)"/g)].map((m) => m[1]).join('');
    if (got !== TEXT) throw new Error('streamed text differs from the upstream answer');
  },
  anthropic: (res, text) => {
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    const j = JSON.parse(text);
    if (j.content?.[0]?.text !== TEXT) throw new Error(`unexpected content: ${text.slice(0, 200)}`);
  },
};

const SCENARIOS = [
  {
    id: 'openai-passthrough',
    title: 'OpenAI passthrough, non-stream',
    target: 'proxy',
    req: D_OA,
    check: checks.openai,
    direct: D_OA,
    directCheck: checks.openai,
  },
  {
    // yardstick: what a minimal proxy (node:http, JSON parsed and re-serialised, undici pool) reaches here
    id: 'reference-proxy',
    title: 'reference: minimal undici proxy, non-stream',
    target: 'reference',
    req: D_OA,
    check: checks.openai,
    direct: D_OA,
    directCheck: checks.openai,
  },
  {
    id: 'openai-passthrough-stream',
    title: 'OpenAI passthrough, stream',
    target: 'proxy',
    req: D_OA_STREAM,
    check: checks.openaiStream,
    direct: D_OA_STREAM,
    directCheck: checks.openaiStream,
  },
  {
    // yardstick for streams: the same minimal proxy, writing the upstream's chunks as they come
    id: 'reference-proxy-stream',
    title: 'reference: minimal undici proxy, stream',
    target: 'reference',
    req: D_OA_STREAM,
    check: checks.openaiStream,
    direct: D_OA_STREAM,
    directCheck: checks.openaiStream,
  },
  {
    id: 'anthropic-to-openai-stream',
    title: 'Anthropic client → OpenAI provider, stream (translation)',
    target: 'proxy',
    translation: true,
    req: { path: AN_PATH, headers: AN_H, body: an({ model: 'm', stream: true }) },
    check: checks.anthropicStream,
    direct: D_OA_STREAM,
    directCheck: checks.openaiStream,
  },
  {
    id: 'openai-to-anthropic',
    title: 'OpenAI client → Anthropic provider, non-stream (translation)',
    target: 'proxy',
    translation: true,
    req: { path: OA_PATH, headers: OA_H, body: oa({ model: 'c' }) },
    check: checks.openai,
    direct: D_AN,
    directCheck: checks.anthropic,
  },
  {
    id: 'auto-failover',
    title: '`auto` routing, failing model first in the pool',
    target: 'proxy',
    req: { path: OA_PATH, headers: OA_H, body: oa({ model: 'auto' }) },
    check: (res, text) => {
      checks.openai(res, text);
      healthyProvider(res);
    },
    direct: D_OA,
    directCheck: checks.openai,
    failover: true,
  },
  {
    id: 'failover-each-request',
    title: 'failing model requested, failover on every request (no cooldown)',
    target: 'proxy-nocooldown',
    req: { path: OA_PATH, headers: OA_H, body: oa({ model: 'broken' }) },
    check: (res, text) => {
      checks.openai(res, text);
      healthyProvider(res);
      if (res.headers.get('x-ones-attempts') !== '2') throw new Error(`x-ones-attempts ${res.headers.get('x-ones-attempts')}, expected 2`);
    },
    direct: D_OA,
    directCheck: checks.openai,
    failover: true,
  },
  {
    id: 'portkey',
    title: `Portkey gateway, OpenAI non-stream`,
    target: 'portkey',
    req: null, // filled in once the mock's port is known
    check: checks.openai,
    direct: D_OA,
    directCheck: checks.openai,
  },
];

function proxyConfig(mockUrl) {
  return {
    providers: [
      // first in `auto`'s pool: every call to it answers 500
      { name: 'flaky', type: 'openai', baseURL: `${mockUrl}/v1`, apiKey: 'bench-key', models: ['broken'] },
      { name: 'oa', type: 'openai', baseURL: `${mockUrl}/v1`, apiKey: 'bench-key', models: ['m'] },
      { name: 'an', type: 'anthropic', baseURL: mockUrl, apiKey: 'bench-key', models: ['c'] },
    ],
    router: { cooldownSeconds: 300, maxAttempts: 3 },
  };
}

async function probe(url, { path, headers, body }, check) {
  const res = await fetch(url + path, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  try {
    check(res, text);
    return null;
  } catch (e) {
    return e.message;
  }
}

const mockStats = async (mock) => (await fetch(`${mock.url}/__stats`)).json();
const resetMockStats = (mock) => fetch(`${mock.url}/__stats/reset`, { method: 'POST' }).then((r) => r.text());

/** One measured autocannon run, with the CPU each process (and the rest of the machine) used meanwhile. */
async function slice(url, req, pids) {
  const meter = cpuMeter(pids);
  meter.start();
  const r = await cannon({ url, ...req }, { connections: S.connections, duration: S.duration / S.rounds });
  r.cpu = meter.end();
  return r;
}

const best = (runs) => runs.reduce((x, y) => (y.rps > x.rps ? y : x));

/** Errors, timeouts and non-2xx answers summed over runs (none is hidden by picking the best run). */
function errorTotals(runs) {
  const statusCodes = {};
  for (const r of runs)
    for (const [code, { count }] of Object.entries(r.statusCodes ?? {})) statusCodes[code] = { count: (statusCodes[code]?.count ?? 0) + count };
  const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
  return { errors: sum('errors'), timeouts: sum('timeouts'), non2xx: sum('non2xx'), statusCodes, total: sum('total') };
}

const log = (...x) => console.error(...x);

// another job on this machine's cores skews every figure: wait (bounded) for it to settle before each run
let quietSpent = 0;
async function quiet() {
  const left = S.quietBudget - quietSpent;
  if (S.quietWait <= 0 || left <= 1) return;
  const { waited, load } = await waitQuiet(Math.min(S.quietWait, left), S.quietThreshold);
  quietSpent += waited;
  if (waited > 1.5) log(`  (waited ${waited.toFixed(0)} s for other load to settle: now ${load.toFixed(2)} cores)`);
}
const ms = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

async function main() {
  if (a['report-only']) {
    const R = JSON.parse(readFileSync(join(benchDir, 'results.json'), 'utf8'));
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs/benchmarks.md'), markdownReport(R));
    console.log(consoleReport(R));
    log('\n> wrote docs/benchmarks.md from .bench/results.json');
    return;
  }
  installSignalHandlers();
  const started = new Date();
  const R = {
    date: started.toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `node scripts/bench.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machineInfo(),
    versions: {
      node: process.version.replace(/^v/, ''),
      undici: versionOf(requireCore, 'undici'),
      onesProxy: JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version,
      autocannon: versionOf(createRequire(import.meta.url), 'autocannon'),
      commit: (() => {
        const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
        return r.status === 0 ? r.stdout.trim() : null;
      })(),
    },
    settings: { connections: S.connections, duration: S.duration, rounds: S.rounds, warmup: S.warmup, mock: S.mock },
    scenarios: [],
    latency: [],
    rss: null,
    chunks: null,
    profile: null,
    targets: [],
  };

  log(`> mock upstream: ${S.mock.chunks} chunks × ${S.mock.chunkSize} chars, latency ${S.mock.latencyMs} ms`);
  const mock = await startMock(root, {
    chunks: S.mock.chunks,
    chunkSize: S.mock.chunkSize,
    latencyMs: S.mock.latencyMs,
    failModels: ['broken'],
    profiles: { long: { chunks: S.mock.longChunks, chunkSize: 8 } },
    models: ['m', 'c', 'long', 'broken'],
  });
  const config = proxyConfig(mock.url);
  let proxy = await startProxy(root, { config, workDir: benchDir });
  log(`> mock on ${mock.url} (pid ${mock.proc.pid}); proxy on ${proxy.url} (pid ${proxy.pid})`);

  // ------------------------------------------------------------ throughput
  let portkey = null;
  let proxyNoCooldown = null;
  let reference = null;
  const wanted = SCENARIOS.filter((s) => (s.id === 'portkey' ? a.portkey : !skip.has(s.id)) && (!only || only.has(s.id)));
  if (!skip.has('throughput')) {
    for (const s of wanted) {
      let targetUrl = proxy.url;
      let targetPid = proxy.pid;
      let req = s.req;
      if (s.target === 'proxy-nocooldown') {
        // a second proxy whose router never cools a failing model down: each request pays one failed call
        if (!proxyNoCooldown) {
          // pool = the failing model and `m` only, so the request that fails over is the direct run's call
          const cfg = proxyConfig(mock.url);
          cfg.providers = cfg.providers.filter((p) => p.name !== 'an');
          cfg.router.cooldownSeconds = 0;
          proxyNoCooldown = await startProxy(root, { config: cfg, workDir: benchDir, name: 'proxy-nocooldown' });
          log(`> proxy without cooldown on ${proxyNoCooldown.url} (pid ${proxyNoCooldown.pid})`);
        }
        targetUrl = proxyNoCooldown.url;
        targetPid = proxyNoCooldown.pid;
      }
      if (s.target === 'reference') {
        if (!reference) reference = await startReference(root, mock.url);
        targetUrl = reference.url;
        targetPid = reference.pid;
      }
      if (s.target === 'portkey') {
        if (!portkey) {
          portkey = await startPortkey(root);
          R.versions.portkey = portkey.version;
          log(`> portkey on ${portkey.url} (pid ${portkey.pid})`);
        }
        targetUrl = portkey.url;
        targetPid = portkey.pid;
        req = { path: OA_PATH, headers: { ...OA_H, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.url}/v1` }, body: oa() };
      }
      const entry = { id: s.id, title: s.title, translation: !!s.translation };
      const directProblem = await probe(mock.url, s.direct, s.directCheck);
      const problem = await probe(targetUrl, req, s.check);
      if (directProblem) log(`! ${s.id}: direct answer check failed: ${directProblem}`);
      if (problem) log(`! ${s.id}: answer check failed: ${problem}`);
      log(`> ${s.id}: warm-up, then ${S.rounds} × (direct, ${s.target}) runs of ${(S.duration / S.rounds).toFixed(1)} s …`);
      await cannon({ url: mock.url, ...s.direct }, { connections: S.connections, duration: S.warmup });
      await cannon({ url: targetUrl, ...req }, { connections: S.connections, duration: S.warmup });
      const directRuns = [];
      const runs = [];
      const up = { calls: 0, failed: 0, connections: 0, served: 0, byModel: {} };
      let redone = 0;
      for (let i = 0; i < S.rounds; ) {
        await quiet();
        const d = await slice(mock.url, s.direct, { target: mock.proc.pid });
        await resetMockStats(mock);
        const r = await slice(targetUrl, req, { target: targetPid, mock: mock.proc.pid });
        const st = await mockStats(mock);
        const other = Math.max(d.cpu.other, r.cpu.other);
        log(`  round ${i + 1}: direct ${d.rps.toFixed(0)} req/s, ${s.target} ${r.rps.toFixed(0)} req/s; other load ${other.toFixed(2)} cores`);
        if (other > 2 * S.quietThreshold && redone < S.maxRedo) {
          redone++;
          log(`  round ${i + 1} disturbed by other load: measuring it again`);
          continue;
        }
        up.calls += st.requests - 1; // minus the stats request itself
        up.failed += st.failed;
        for (const [k, n] of Object.entries(st.byModel)) up.byModel[k] = (up.byModel[k] ?? 0) + n;
        up.connections += st.connections;
        up.served += r.total;
        directRuns.push(d);
        runs.push(r);
        i++;
      }
      entry.direct = best(directRuns);
      entry.run = best(runs);
      entry.errs = errorTotals(runs);
      entry.cpu = entry.run.cpu;
      entry.ratio = entry.run.rps / entry.direct.rps;
      entry.rounds = runs.map((r, i) => ({ direct: directRuns[i].rps, run: r.rps, ratio: r.rps / directRuns[i].rps, other: Math.max(r.cpu.other, directRuns[i].cpu.other) }));
      entry.otherLoad = Math.max(...entry.rounds.map((x) => x.other));
      entry.redone = redone;
      const notes = [];
      if (problem) notes.push(`answer check failed: ${problem}`);
      if (directProblem) notes.push(`direct answer check failed: ${directProblem}`);
      if (s.target.startsWith('proxy') && up.served) {
        const perRequest = up.calls / up.served;
        entry.upstream = { ...up, perRequest };
        if (s.failover || Math.abs(perRequest - 1) > 0.02)
          notes.push(
            `${perRequest.toFixed(2)} upstream calls per request, ${up.failed.toLocaleString('en-US')} of them to the failing model (router cooldown ${s.target === 'proxy-nocooldown' ? 0 : config.router.cooldownSeconds} s); upstream calls by model: ${Object.entries(up.byModel)
              .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
              .join(', ')}`,
          );
        // a keep-alive pool opens about one connection per client connection, once
        if (up.connections > 2 * S.connections * S.rounds) notes.push(`${up.connections.toLocaleString('en-US')} upstream connections opened (keep-alive not reused?)`);
      }
      entry.note = notes.join('; ');
      R.scenarios.push(entry);
      log(
        `  best: direct ${entry.direct.rps.toFixed(0)} req/s p50 ${ms(entry.direct.p50)} ms | ${s.target} ${entry.run.rps.toFixed(0)} req/s p50 ${ms(entry.run.p50)} p99 ${ms(entry.run.p99)} ms, errors ${entry.errs.errors + entry.errs.timeouts + entry.errs.non2xx} | ratio ${entry.ratio.toFixed(2)} | cpu ${entry.cpu.target.toFixed(2)}/${entry.cpu.mock.toFixed(2)}/${entry.cpu.bench.toFixed(2)}, other ${entry.otherLoad.toFixed(2)}`,
      );
    }
    if (portkey) await stop(portkey.proc);
    if (proxyNoCooldown) await stop(proxyNoCooldown.proc, { signal: 'SIGINT' });
    const mockCpu = R.scenarios.map((x) => x.direct.cpu.target);
    const driverCpu = R.scenarios.map((x) => x.direct.cpu.bench);
    const mockInProxyRuns = R.scenarios.map((x) => x.run.cpu.mock);
    if (mockCpu.length) R.mockHeadroom = { mockMax: Math.max(...mockCpu), driverMax: Math.max(...driverCpu), mockInProxyRunsMax: Math.max(...mockInProxyRuns) };
    const directs = R.scenarios.filter((x) => SCENARIOS.find((s) => s.id === x.id)?.direct === D_OA).map((x) => x.direct.rps);
    if (directs.length > 1) {
      const min = Math.min(...directs);
      const max = Math.max(...directs);
      R.directStability = { n: directs.length, min, max, spreadPct: (100 * (max - min)) / max };
    }
  }

  // ------------------------------------------------------------ added latency at 1 connection
  if (!skip.has('latency')) {
    const pairs = [
      { title: 'OpenAI passthrough, non-stream', proxy: D_OA, direct: D_OA, key: 'openai-passthrough' },
      { title: 'OpenAI client → Anthropic provider, non-stream', proxy: { path: OA_PATH, headers: OA_H, body: oa({ model: 'c' }) }, direct: D_AN, key: 'openai-to-anthropic' },
      ...(skip.has('reference-proxy') ? [] : [{ title: 'reference: minimal undici proxy, non-stream', proxy: D_OA, direct: D_OA, key: 'reference-proxy', reference: true }]),
    ];
    for (const p of pairs) {
      if (p.reference && !reference) reference = await startReference(root, mock.url);
      const target = p.reference ? reference : proxy;
      await quiet();
      log(`> 1-connection latency: ${p.title} …`);
      const meter = cpuMeter({ proxy: target.pid, mock: mock.proc.pid });
      meter.start();
      const cd = new undici.Client(mock.url, { pipelining: 1, keepAliveTimeout: 60_000 });
      const cp = new undici.Client(target.url, { pipelining: 1, keepAliveTimeout: 60_000 });
      await oneConnection(cd, p.direct, 0.5);
      await oneConnection(cp, p.proxy, 0.5);
      const d = [];
      const x = [];
      let errors = 0;
      // alternate halves, so slow drift of the machine falls on both sides alike
      for (let round = 0; round < 2; round++) {
        const rd = await oneConnection(cd, p.direct, S.latencySeconds / 2);
        const rp = await oneConnection(cp, p.proxy, S.latencySeconds / 2);
        d.push(...rd.lat);
        x.push(...rp.lat);
        errors += rd.errors + rp.errors;
      }
      await cd.close();
      await cp.close();
      const direct = summarizeUs(d);
      const prox = summarizeUs(x);
      const cpu = meter.end();
      R.latency.push({ key: p.key, title: p.title, direct, proxy: prox, addedP50: prox.p50 - direct.p50, errors, otherLoad: cpu.other });
      log(`  direct p50 ${direct.p50.toFixed(0)} µs, proxy p50 ${prox.p50.toFixed(0)} µs → added ${(prox.p50 - direct.p50).toFixed(0)} µs (errors ${errors}; other load ${cpu.other.toFixed(2)} cores)`);
    }
  }

  if (reference) await stop(reference.proc);

  // ------------------------------------------------------------ streamed chunks/s through the translator
  if (!skip.has('chunks')) {
    await quiet();
    // its own proxy, whose only model answers long: a long-answer model in the main pool would be picked by `auto`
    const longProxy = await startProxy(root, {
      config: { providers: [{ name: 'oa', type: 'openai', baseURL: `${mock.url}/v1`, apiKey: 'bench-key', models: ['long'] }] },
      workDir: benchDir,
      name: 'proxy-long',
    });
    log(`> streamed chunks/s: ${S.mock.longChunks} chunks per answer, ${S.streamConnections} streams, ${S.streamSeconds} s per side …`);
    const pd = new undici.Pool(mock.url, { connections: S.streamConnections, keepAliveTimeout: 60_000 });
    const pp = new undici.Pool(longProxy.url, { connections: S.streamConnections, keepAliveTimeout: 60_000 });
    const directReq = { path: OA_PATH, headers: OA_H, body: oa({ model: 'long', stream: true, stream_options: { include_usage: true } }) };
    const proxyReq = { path: AN_PATH, headers: AN_H, body: an({ model: 'long', stream: true }) };
    const opts = { connections: S.streamConnections, seconds: Math.min(1, S.streamSeconds) };
    await streamChunks(pd, directReq, '"delta":{"content":', opts);
    await streamChunks(pp, proxyReq, 'event: content_block_delta', opts);
    const meter = cpuMeter({ proxy: longProxy.pid, mock: mock.proc.pid });
    meter.start();
    const direct = await streamChunks(pd, directReq, '"delta":{"content":', { ...opts, seconds: S.streamSeconds });
    const prox = await streamChunks(pp, proxyReq, 'event: content_block_delta', { ...opts, seconds: S.streamSeconds });
    const cpu = meter.end();
    await pd.close();
    await pp.close();
    await stop(longProxy.proc, { signal: 'SIGINT' });
    R.chunks = { chunksPerAnswer: S.mock.longChunks, connections: S.streamConnections, direct, proxy: prox, otherLoad: cpu.other };
    log(`  direct ${direct.chunksPerSec.toFixed(0)} chunks/s, through the translator ${prox.chunksPerSec.toFixed(0)} chunks/s (${prox.chunksPerStream.toFixed(0)} per answer, errors ${prox.errors})`);
  }

  // ------------------------------------------------------------ RSS over N requests, fresh proxy
  if (!skip.has('rss')) {
    await stop(proxy.proc, { signal: 'SIGINT' });
    proxy = await startProxy(root, { config, workDir: benchDir });
    const mix = [
      { method: 'POST', ...D_OA },
      { method: 'POST', ...D_OA_STREAM },
      { method: 'POST', path: AN_PATH, headers: AN_H, body: an({ model: 'm', stream: true }) },
      { method: 'POST', path: OA_PATH, headers: OA_H, body: oa({ model: 'c' }) },
      { method: 'POST', path: OA_PATH, headers: OA_H, body: oa({ model: 'auto' }) },
    ];
    const steps = 10; // even: the middle step ends at half the requests
    const per = Math.ceil(S.rssRequests / steps);
    log(`> RSS: fresh proxy (pid ${proxy.pid}), ${(per * steps).toLocaleString('en-US')} requests (mixed scenarios) in ${steps} steps …`);
    await quiet();
    await resetMockStats(mock);
    const meter = cpuMeter({ proxy: proxy.pid, mock: mock.proc.pid });
    meter.start();
    // RSS moves with every GC: sample it every 100 ms and compare the medians of the
    // step that ends at half the requests and of the last step, not two single readings
    const samples = [{ after: 0, rss: rssOf(proxy.pid) }];
    const perStep = Array.from({ length: steps }, () => []);
    let step = 0;
    const sampler = setInterval(() => {
      try {
        perStep[step].push(rssOf(proxy.pid));
      } catch {}
    }, 100);
    let errors = 0;
    let done = 0;
    try {
      for (; step < steps; step++) {
        const r = await cannon({ url: proxy.url, requests: mix }, { connections: S.connections, amount: per, maxSeconds: 300 });
        done += r.total;
        errors += r.errors + r.timeouts + r.non2xx;
        perStep[step].push(rssOf(proxy.pid));
        samples.push({ after: done, rss: rssOf(proxy.pid) });
      }
    } finally {
      clearInterval(sampler);
    }
    const rssCpu = meter.end();
    const upstream = await mockStats(mock);
    const median = (xs) => {
      const a = [...xs].sort((x, y) => x - y);
      return a[Math.floor(a.length / 2)];
    };
    const half = median(perStep[steps / 2 - 1]);
    const end = median(perStep[steps - 1]);
    R.rss = {
      requests: done,
      connections: S.connections,
      start: samples[0].rss,
      half,
      end,
      last: samples[steps].rss,
      peak: Math.max(...perStep.flat()),
      growthPct: (100 * (end - half)) / half,
      errors,
      samples,
      stepMedians: perStep.map(median),
      otherLoad: rssCpu.other,
      upstreamByModel: upstream.byModel,
    };
    log(`  RSS start ${(samples[0].rss / 2 ** 20).toFixed(1)} MB, half ${(half / 2 ** 20).toFixed(1)} MB, end ${(end / 2 ** 20).toFixed(1)} MB (growth ${R.rss.growthPct.toFixed(1)} %), errors ${errors}`);
  }

  await stop(proxy.proc, { signal: 'SIGINT' });

  // ------------------------------------------------------------ CPU profile (optional)
  const profiled = a.profile && SCENARIOS.find((s) => s.id === a.profile);
  if (a.profile && (!profiled || profiled.target !== 'proxy')) log(`! --profile ${a.profile}: not a scenario of the proxy (${SCENARIOS.filter((s) => s.target === 'proxy').map((s) => s.id).join(', ')})`);
  if (profiled && profiled.target === 'proxy') {
    const dir = join(benchDir, 'profile');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await quiet();
    const prof = await startProxy(root, { config, workDir: benchDir, name: 'proxy-profiled', nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    log(`> CPU profile: ${profiled.title}, ${S.connections} connections, ${S.duration} s …`);
    await cannon({ url: prof.url, ...profiled.req }, { connections: S.connections, duration: S.warmup });
    await cannon({ url: prof.url, ...profiled.req }, { connections: S.connections, duration: S.duration });
    await stop(prof.proc, { signal: 'SIGINT', graceMs: 15_000 });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      R.profile = { ...summarizeProfile(join(dir, file), 25), scenario: profiled.title, seconds: S.warmup + S.duration, file: join('.bench/profile', file) };
      log(`  profile written to .bench/profile/${file}`);
    } else log('! no .cpuprofile was written');
  }

  await stopAll();

  // ------------------------------------------------------------ targets
  const sc = (id) => R.scenarios.find((s) => s.id === id);
  const pt = sc('openai-passthrough');
  const pk = sc('portkey');
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  R.targets.push({ what: 'OpenAI passthrough non-stream ≥ 0.45 of direct', value: pt ? f2(pt.ratio) : '–', pass: pt ? pt.ratio >= 0.45 : null });
  R.targets.push({
    what: 'OpenAI passthrough non-stream ≥ 8× Portkey',
    value: pt && pk ? `${f2(pt.run.rps / pk.run.rps)}× (Portkey at ${f2(pk.ratio)} of direct)` : '–',
    pass: pt && pk ? pt.run.rps / pk.run.rps >= 8 : null,
  });
  for (const id of ['anthropic-to-openai-stream', 'openai-to-anthropic']) {
    const s = sc(id);
    R.targets.push({ what: `${SCENARIOS.find((x) => x.id === id).title} ≥ 0.35 of direct`, value: s ? f2(s.ratio) : '–', pass: s ? s.ratio >= 0.35 : null });
  }
  const lat = R.latency.find((l) => l.key === 'openai-passthrough');
  R.targets.push({ what: 'added p50 latency at 1 connection ≤ 200 µs (OpenAI passthrough)', value: lat ? `${lat.addedP50.toFixed(0)} µs` : '–', pass: lat ? lat.addedP50 <= 200 : null });
  R.targets.push({
    what: `RSS flat over the second half (growth < 5 %) and ≤ 120 MB after ${S.rssRequests.toLocaleString('en-US')} requests`,
    value: R.rss ? `${R.rss.growthPct.toFixed(1)} %, ${(R.rss.end / 2 ** 20).toFixed(1)} MB` : '–',
    pass: R.rss ? R.rss.growthPct < 5 && R.rss.end <= 120 * 2 ** 20 : null,
  });
  const allErrorsZero = R.scenarios.every((s) => s.errs.errors + s.errs.timeouts + s.errs.non2xx === 0);
  if (!allErrorsZero) log('! some scenarios had errors or non-2xx answers (see the table)');

  console.log(consoleReport(R));
  if (R.profile) {
    console.log(`\nCPU profile (${R.profile.file}), ${R.profile.idlePct.toFixed(1)} % idle; self time as share of busy time:`);
    for (const m of R.profile.modules.slice(0, 10)) console.log(`  ${m.pct.toFixed(1).padStart(5)} %  ${m.module}`);
    console.log('  top functions:');
    for (const f of R.profile.functions.slice(0, 20)) console.log(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
  }
  writeFileSync(join(benchDir, 'results.json'), JSON.stringify(R, null, 2));
  if (write) {
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs/benchmarks.md'), markdownReport(R));
    log('\n> wrote docs/benchmarks.md (and .bench/results.json)');
  } else log('\n> docs/benchmarks.md left as it was (.bench/results.json written)');
}

main().catch(async (e) => {
  console.error(`bench: ${e.stack ?? e.message}`);
  await stopAll();
  process.exit(1);
});
