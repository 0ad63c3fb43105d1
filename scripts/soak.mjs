#!/usr/bin/env node
// Soak test (not part of the test suite): a long mixed load on the BUILT
// proxy, looking for leaks and for requests that end badly.
//
//   node scripts/soak.mjs [--requests 1000000] [--concurrency 64] [--max-seconds 1800]
//                         [--fail-rate 0.05] [--abort-rate 0.05] [--warmup 5000] [--seed 1] [--no-build]
//
// Three processes, loopback only: the mock upstream (scripts/soak-upstream.mjs),
// the proxy (scripts/soak-proxy.mjs: createProxy + createServer from packages/*/dist,
// so the RSS measured is the proxy's alone), and this driver (undici `request`
// over one keep-alive Agent). The mix: OpenAI and Anthropic client routes,
// stream and not, passthrough and translated (the model is on the other
// protocol's upstream), `fail-rate` planned upstream failures (HTTP errors, or
// the connection cut mid-answer; half of them strict, so the client sees the
// error, half not, so failover answers) and `abort-rate` client aborts (before
// the answer, or mid-stream after the first chunk).
//
// Exits non-zero when any request ended unexpectedly (connection error,
// truncated stream we did not abort, an error for a request that should have
// succeeded, a malformed answer) or when the proxy's RSS at the end is over
// 1.25× the RSS at the middle of the run.
import { fork, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_ARGS, staleBuilds } from './build-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// undici is a dependency of the core package (the root has none): load the same copy
const { Agent, request } = createRequire(join(root, 'packages/core/package.json'))('undici');

// ---------------------------------------------------------------- options

function flags(argv) {
  const o = { requests: 1_000_000, concurrency: 64, maxSeconds: 1800, failRate: 0.05, abortRate: 0.05, warmup: 5000, seed: 1, build: true, rssFactor: 1.25 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--requests') o.requests = Math.floor(num());
    else if (a === '--concurrency') o.concurrency = Math.max(1, Math.floor(num()));
    else if (a === '--max-seconds') o.maxSeconds = num();
    else if (a === '--fail-rate') o.failRate = num();
    else if (a === '--abort-rate') o.abortRate = num();
    else if (a === '--warmup') o.warmup = Math.floor(num());
    else if (a === '--seed') o.seed = Math.floor(num());
    else if (a === '--rss-factor') o.rssFactor = num();
    else if (a === '--no-build') o.build = false;
    else if (a === '--help' || a === '-h') {
      console.log(readUsage());
      process.exit(0);
    } else throw new Error(`unknown flag ${a} (try --help)`);
  }
  return o;
}

function readUsage() {
  return 'node scripts/soak.mjs [--requests N] [--concurrency C] [--max-seconds S] [--fail-rate R] [--abort-rate R] [--warmup N] [--seed N] [--rss-factor F] [--no-build]';
}

// ---------------------------------------------------------------- build

function ensureBuilt() {
  const stale = staleBuilds(root, ['core', 'server']);
  if (stale.length === 0) return;
  console.error(`> dist is stale (${stale.join(', ')}): building`);
  const r = spawnSync('npx', BUILD_ARGS, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('build failed');
}

// ---------------------------------------------------------------- children

const children = new Set();
function child(script, args = [], execArgv = []) {
  const cp = fork(join(root, 'scripts', script), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(cp);
  cp.once('exit', () => children.delete(cp));
  return cp;
}
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping`);
    process.exit(130);
  });
}

function once(cp, type, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${type} from child: timed out`)), timeoutMs);
    const onMsg = (m) => {
      if (m?.type !== type) return;
      clearTimeout(t);
      cp.off('message', onMsg);
      cp.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code) => {
      clearTimeout(t);
      reject(new Error(`child exited (${code}) while waiting for ${type}`));
    };
    cp.on('message', onMsg);
    cp.once('exit', onExit);
  });
}

let askId = 0;
function ask(cp, type, extra = {}) {
  const id = ++askId;
  const p = once(cp, type);
  cp.send({ type, id, ...extra });
  return p;
}

// ---------------------------------------------------------------- the mix

/** mulberry32: a small seeded PRNG, so a run can be repeated */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = {
  openai: { ok: ['oa-m1', 'oa-m2'], slow: 'oa-slow', fail: 'oa-fail', cut: 'oa-cut' },
  anthropic: { ok: ['an-m1', 'an-m2'], slow: 'an-slow', fail: 'an-fail', cut: 'an-cut' },
};

/** One request of the mix. */
function plan(rand, o) {
  const client = rand() < 0.5 ? 'openai' : 'anthropic';
  const translated = rand() < 0.5;
  const upstream = translated ? (client === 'openai' ? 'anthropic' : 'openai') : client;
  const stream = rand() < 0.5;
  const r = rand();
  let kind = 'ok';
  if (r < o.failRate) kind = rand() < 0.6 ? 'fail' : 'cut';
  else if (r < o.failRate + o.abortRate) kind = 'abort';
  const m = MODELS[upstream];
  const model = kind === 'fail' ? m.fail : kind === 'cut' ? m.cut : kind === 'abort' ? m.slow : m.ok[rand() < 0.5 ? 0 : 1];
  const strict = (kind === 'fail' || kind === 'cut') && rand() < 0.5;
  const includeUsage = client === 'openai' && stream && rand() < 0.5;
  return { client, upstream, translated, stream, kind, model, strict, includeUsage };
}

function bodyOf(p, i) {
  const messages = [{ role: 'user', content: `soak request ${i}: say something` }];
  if (p.client === 'openai') {
    return JSON.stringify({ model: p.model, messages, max_tokens: 64, stream: p.stream, ...(p.includeUsage ? { stream_options: { include_usage: true } } : {}) });
  }
  return JSON.stringify({ model: p.model, max_tokens: 64, messages, stream: p.stream });
}

// ---------------------------------------------------------------- one request

const stats = {
  sent: 0,
  ok: 0,
  okFailover: 0,
  errorStatus: {},
  inStreamError: 0,
  failoverExhausted: 0,
  aborted: 0,
  abortTooLate: 0,
  unexpected: 0,
  unexpectedKinds: {},
  samples: [],
  latency: [],
};

function unexpected(why, p, detail = '') {
  stats.unexpected++;
  stats.unexpectedKinds[why] = (stats.unexpectedKinds[why] ?? 0) + 1;
  if (stats.samples.length < 15) stats.samples.push(`${why}: ${JSON.stringify(p)} ${String(detail).slice(0, 300)}`);
}

/** Whether an SSE body is complete in its protocol, and whether it carries an in-stream error. */
function streamState(client, text) {
  const error = client === 'openai' ? /^data: \{"error"/m.test(text) : text.includes('event: error\n');
  const complete = client === 'openai' ? text.endsWith('data: [DONE]\n\n') : /event: message_stop\ndata: [^\n]*\n\n$/.test(text);
  return { error, complete };
}

function okBody(client, text) {
  try {
    const j = JSON.parse(text);
    return client === 'openai' ? typeof j.choices?.[0]?.message?.content === 'string' && j.choices[0].message.content.length > 0 : j.type === 'message' && typeof j.content?.[0]?.text === 'string';
  } catch {
    return false;
  }
}

async function one(base, agent, p, i) {
  const path = p.client === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  const headers = { 'content-type': 'application/json', ...(p.strict ? { 'x-ones-strict': '1' } : {}), ...(p.client === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {}) };
  const ac = p.kind === 'abort' ? new AbortController() : null;
  // non-stream aborts: before the answer (the slow model answers after 40 ms)
  const timer = ac && !p.stream ? setTimeout(() => ac.abort(), 5) : null;
  const started = performance.now();
  let status = 0;
  let res;
  try {
    res = await request(base + path, { method: 'POST', headers, body: bodyOf(p, i), dispatcher: agent, signal: ac?.signal, headersTimeout: 30_000, bodyTimeout: 30_000 });
    status = res.statusCode;
    let text = '';
    if (ac && p.stream && status === 200) {
      // mid-stream: the first chunk arrived, the slow model holds the rest for 40 ms
      for await (const chunk of res.body) {
        text += chunk.toString();
        ac.abort();
      }
    } else text = await res.body.text();
    if (timer) clearTimeout(timer);
    if (ac) {
      // the abort fired too late to interrupt anything: the answer was complete
      stats.abortTooLate++;
      return;
    }
    const planned = p.kind === 'fail' || p.kind === 'cut';
    if (status !== 200) {
      if (!planned) return unexpected(`status ${status} for a good request`, p, text);
      stats.errorStatus[status] = (stats.errorStatus[status] ?? 0) + 1;
      // non-strict: failover tried other models, which can be planned failures too (bounded attempts)
      if (!p.strict) stats.failoverExhausted++;
      return;
    }
    if (p.kind === 'fail' && p.strict) return unexpected('strict planned failure answered 200', p, text);
    const ct = String(res.headers['content-type'] ?? '');
    if (p.stream) {
      if (!ct.includes('text/event-stream')) return unexpected('stream answered without event-stream', p, ct);
      const s = streamState(p.client, text);
      if (s.error) {
        // a cut after the first chunk is committed (also when failover landed on a cut model): an in-stream error ends the body
        if (planned) stats.inStreamError++;
        else unexpected('in-stream error for a good request', p, text.slice(-300));
        return;
      }
      if (!s.complete) return unexpected('truncated stream', p, text.slice(-300));
    } else if (!okBody(p.client, text)) return unexpected('malformed 200 body', p, text);
    // a good request is answered by the model it named, at the first attempt
    if (!planned && res.headers['x-ones-model'] !== p.model) return unexpected('answered by another model', p, String(res.headers['x-ones-model']));
    stats.ok++;
    if (Number(res.headers['x-ones-attempts'] ?? 1) > 1) stats.okFailover++;
    if (stats.latency.length < 200_000) stats.latency.push(performance.now() - started);
  } catch (e) {
    if (timer) clearTimeout(timer);
    if (ac?.signal.aborted) {
      stats.aborted++;
      return;
    }
    unexpected(`transport ${e.code ?? e.name}`, p, `${status} ${e.message}`);
  }
}

// ---------------------------------------------------------------- run

const mb = (n) => (n / 1048576).toFixed(1);
const pct = (a, q) => {
  if (a.length === 0) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function drive(base, agent, o, count, rand, onProgress) {
  let next = 0;
  let stop = false;
  const deadline = Date.now() + o.maxSeconds * 1000;
  const worker = async () => {
    while (!stop) {
      const i = next++;
      if (i >= count) return;
      if (Date.now() > deadline) {
        stop = true;
        return;
      }
      const p = plan(rand, o);
      stats.sent++;
      await one(base, agent, p, i);
      onProgress?.(i + 1);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { timedOut: stop, done: Math.min(next, count) };
}

async function main() {
  const o = flags(process.argv.slice(2));
  if (o.build) ensureBuilt();
  const started = Date.now();

  const up = child('soak-upstream.mjs');
  const { openaiPort, anthropicPort } = await once(up, 'ready');
  const px = child('soak-proxy.mjs', [JSON.stringify({ openaiPort, anthropicPort })], ['--expose-gc']);
  const { port } = await once(px, 'ready');
  const base = `http://127.0.0.1:${port}`;
  console.error(`> upstream :${openaiPort} (openai) :${anthropicPort} (anthropic), proxy ${base} (pid ${px.pid})`);
  console.error(`> ${o.requests} requests, concurrency ${o.concurrency}, fail ${o.failRate}, abort ${o.abortRate}, max ${o.maxSeconds}s, seed ${o.seed}`);

  const agent = new Agent({ connections: o.concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const rand = prng(o.seed);

  // warm-up: JIT, pools, router stats; not counted
  await drive(base, agent, { ...o, maxSeconds: 120 }, o.warmup, rand);
  const warm = { sent: stats.sent, ok: stats.ok, unexpected: stats.unexpected, samples: [...stats.samples] };
  for (const k of Object.keys(stats)) {
    const v = stats[k];
    stats[k] = Array.isArray(v) ? [] : typeof v === 'object' ? {} : 0;
  }
  const rss = { start: await ask(px, 'sample', { gc: true }) };

  let lastLog = Date.now();
  let lastDone = 0;
  const t0 = Date.now();
  const half = Math.floor(o.requests / 2);
  let middle = null;
  const halfTime = t0 + (o.maxSeconds * 1000) / 2;
  const progress = (done) => {
    if (!middle && (done >= half || Date.now() >= halfTime)) middle = ask(px, 'sample', { gc: true }).then((s) => ((rss.middle = s), s));
    const now = Date.now();
    if (now - lastLog >= 10_000) {
      const rps = ((done - lastDone) * 1000) / (now - lastLog);
      lastLog = now;
      lastDone = done;
      console.error(
        `  ${done}/${o.requests} ${rps.toFixed(0)} req/s  ok ${stats.ok}  err ${Object.values(stats.errorStatus).reduce((a, b) => a + b, 0)}  aborted ${stats.aborted}  unexpected ${stats.unexpected}`,
      );
    }
  };
  const { timedOut, done } = await drive(base, agent, o, o.requests, rand, progress);
  const seconds = (Date.now() - t0) / 1000;
  if (middle) await middle;
  rss.end = await ask(px, 'sample', { gc: true });

  // traffic stopped: close our keep-alive sockets, let the proxy's pools go idle, then look at what it still holds
  await agent.close();
  await new Promise((r) => setTimeout(r, 2000));
  const idle = await ask(px, 'sample', { gc: true });
  const upStats = (await ask(up, 'stats')).stats;
  await ask(px, 'close').catch(() => {});
  up.kill('SIGTERM');

  // ---------------------------------------------------------------- report
  const errTotal = Object.values(stats.errorStatus).reduce((a, b) => a + b, 0);
  const rows = [
    ['warm-up (not counted below)', `${warm.sent} requests, ${warm.ok} ok, ${warm.unexpected} unexpected`],
    ['requests', `${done}${timedOut ? ` (time limit ${o.maxSeconds}s reached)` : ''}`],
    ['duration', `${seconds.toFixed(1)} s  (${(done / seconds).toFixed(0)} req/s, concurrency ${o.concurrency})`],
    ['200 OK complete', `${stats.ok}  (of which answered by failover: ${stats.okFailover})`],
    ['answered error (planned)', `${errTotal}  ${JSON.stringify(stats.errorStatus)}  (non-strict, failover exhausted: ${stats.failoverExhausted})`],
    ['in-stream error (planned cut)', String(stats.inStreamError)],
    ['aborted by us', `${stats.aborted}  (abort too late, answer complete: ${stats.abortTooLate})`],
    ['UNEXPECTED', `${stats.unexpected}  ${JSON.stringify(stats.unexpectedKinds)}`],
    ['latency ok p50/p99', `${pct(stats.latency, 0.5).toFixed(1)} / ${pct(stats.latency, 0.99).toFixed(1)} ms`],
    ['proxy RSS start', `${mb(rss.start.memory.rss)} MB  (heap used ${mb(rss.start.memory.heapUsed)} MB)`],
    ['proxy RSS middle', rss.middle ? `${mb(rss.middle.memory.rss)} MB  (heap used ${mb(rss.middle.memory.heapUsed)} MB)` : 'n/a'],
    ['proxy RSS end', `${mb(rss.end.memory.rss)} MB  (heap used ${mb(rss.end.memory.heapUsed)} MB)`],
    ['proxy at rest: resources', JSON.stringify(idle.resources)],
    ['proxy at rest: handles/requests', `${idle.handles} handles, ${idle.requests} requests, ${idle.connections} client connections`],
    ['proxy log', `${idle.counts.warn} warnings (planned failures), ${idle.counts.error} errors`],
    ['upstream', `${upStats.chats} chats, ${upStats.failed} failed, ${upStats.cut} cut, ${upStats.slow}+${upStats.slowStream} slow (json+stream), answers cut short ${JSON.stringify(upStats.closedEarlyBy)} (cut: by the mock; slow: the proxy passing a client abort on)`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('\nsoak summary');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  for (const s of [...warm.samples, ...stats.samples]) console.log(`  ! ${s}`);
  for (const e of idle.errors) console.log(`  proxy error: ${e}`);

  const problems = [];
  if (stats.unexpected + warm.unexpected > 0) problems.push(`${stats.unexpected + warm.unexpected} unexpected outcomes`);
  const mid = rss.middle?.memory.rss;
  if (mid && rss.end.memory.rss > o.rssFactor * mid) problems.push(`RSS grew from ${mb(mid)} MB (middle) to ${mb(rss.end.memory.rss)} MB (end), over ${o.rssFactor}×`);
  if (idle.counts.error > 0) problems.push(`${idle.counts.error} errors in the proxy log`);
  if (idle.connections > 0) problems.push(`${idle.connections} client connections still open after the driver closed its agent`);
  console.log(problems.length ? `\nFAIL: ${problems.join('; ')}` : `\nPASS (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
