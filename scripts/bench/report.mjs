// Formats the benchmark's results: a console table and docs/benchmarks.md.
import os from 'node:os';
import { readFileSync } from 'node:fs';

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {}
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ramGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mb = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(1) : '–');

function errorsOf(r) {
  if (!r) return '–';
  const n = r.errors + r.timeouts + r.non2xx;
  if (!n) return '0';
  const codes = Object.keys(r.statusCodes ?? {})
    .filter((c) => !c.startsWith('2'))
    .map((c) => `${c}×${r.statusCodes[c].count}`);
  return `${n}${codes.length ? ` (${codes.join(', ')})` : ''}`;
}

export function scenarioRows(results) {
  return results.map((s) => ({
    id: s.id,
    title: s.title,
    direct: f0(s.direct?.rps),
    rps: f0(s.run?.rps),
    p50: f2(s.run?.p50),
    p99: f2(s.run?.p99),
    directP50: f2(s.direct?.p50),
    errors: errorsOf(s.errs ?? s.run),
    ratio: f2(s.ratio),
    cpu: s.cpu ? `${f2(s.cpu.target)} / ${f2(s.cpu.mock)} / ${f2(s.cpu.bench)}` : '–',
    other: f2(s.otherLoad),
    // CPU time the target spent per answered request: barely moved by other load, unlike req/s
    usPerReq: s.cpu && s.run?.rps ? f0((s.cpu.target / s.run.rps) * 1e6) : '–',
    note: s.note ?? '',
  }));
}

/** `left`: how many leading columns are text (left-aligned); the rest are figures. */
function mdTable(head, rows, left = 1) {
  const esc = (v) => String(v).replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < left ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function consoleReport(R) {
  const rows = scenarioRows(R.scenarios);
  const out = [];
  out.push('');
  out.push(
    `Throughput, ${R.settings.connections} connections, best of ${R.settings.rounds} alternating ${(R.settings.duration / R.settings.rounds).toFixed(1)} s runs per side (2xx req/s; latency ms; ratio = req/s ÷ direct req/s of the upstream call the proxy makes; CPU in cores; "other" = load from outside the benchmark)`,
  );
  const head = ['scenario', 'direct req/s', 'req/s', 'p50', 'p99', 'errors/non-2xx', 'ratio', 'µs cpu/req', 'cpu proxy/mock/driver', 'other'];
  const data = rows.map((r) => [r.id, r.direct, r.rps, r.p50, r.p99, r.errors, r.ratio, r.usPerReq, r.cpu, r.other]);
  const w = head.map((h, i) => Math.max(h.length, ...data.map((d) => String(d[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  out.push(line(head));
  out.push(w.map((n) => '-'.repeat(n)).join('  '));
  for (const d of data) out.push(line(d));
  for (const r of rows) if (r.note) out.push(`  ${r.id}: ${r.note}`);
  out.push('');
  for (const l of extraLines(R)) out.push(l.replace(/\*\*/g, '').replace(/`/g, ''));
  out.push('');
  out.push('Targets:');
  for (const t of R.targets) out.push(`  [${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'}] ${t.what}: ${t.value}`);
  return out.join('\n');
}

function extraLines(R) {
  const lines = [];
  for (const l of R.latency ?? []) {
    lines.push(
      `- Added latency at 1 connection, ${l.title}: p50 **${f0(l.addedP50)} µs** (proxy p50 ${f0(l.proxy.p50)} µs, direct ${f0(l.direct.p50)} µs; p99 ${f0(l.proxy.p99)} vs ${f0(l.direct.p99)} µs; ${l.proxy.n.toLocaleString('en-US')} / ${l.direct.n.toLocaleString('en-US')} samples; other load ${f2(l.otherLoad)} cores)`,
    );
  }
  if (R.rss) {
    const r = R.rss;
    lines.push(
      `- RSS of a fresh proxy over ${r.requests.toLocaleString('en-US')} requests (mixed scenarios, ${r.connections} connections): start ${mb(r.start)} MB; median over the step ending at half **${mb(r.half)} MB**, over the last step **${mb(r.end)} MB**: growth over the second half **${f1(r.growthPct)} %**; peak ${mb(r.peak)} MB, last reading ${mb(r.last)} MB; upstream calls by model ${Object.entries(r.upstreamByModel ?? {}).map(([k, n]) => `${k} ${f0(n)}`).join(', ')}; errors ${r.errors}; other load ${f2(r.otherLoad)} cores; median per ${f0(r.requests / r.stepMedians.length)} requests (MB): ${r.stepMedians.map(mb).join(', ')}`,
    );
  }
  if (R.chunks) {
    const c = R.chunks;
    lines.push(
      `- Streamed chunks through the translator (Anthropic client → OpenAI provider, ${c.chunksPerAnswer} chunks per answer, ${c.connections} concurrent streams): **${f0(c.proxy.chunksPerSec)} chunks/s** (${f1(c.proxy.mbPerSec)} MB/s out, ${f1(c.proxy.chunksPerStream)} chunks per answer received, ${c.proxy.errors} errors); direct OpenAI stream from the mock ${f0(c.direct.chunksPerSec)} chunks/s; ratio ${f2(c.proxy.chunksPerSec / c.direct.chunksPerSec)}; other load ${f2(c.otherLoad)} cores`,
    );
  }
  const d = R.directStability;
  if (d) lines.push(`- Direct OpenAI non-stream figure across the ${d.n} scenarios that use it: ${f0(d.min)}–${f0(d.max)} req/s (spread ${f1(d.spreadPct)} %)`);
  const h = R.mockHeadroom;
  if (h)
    lines.push(
      `- Who limits what: in the direct runs the mock used up to ${f2(h.mockMax)} core and the load generator up to ${f2(h.driverMax)}, so together they fill the machine and the direct figure is its limit with node:http at both ends; in the proxy runs the mock used at most ${f2(h.mockInProxyRunsMax)} core and never limits the proxy`,
    );
  return lines;
}

export function markdownReport(R) {
  const m = R.machine;
  const rows = scenarioRows(R.scenarios);
  const v = R.versions;
  const s = R.settings;
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('<!-- generated by `pnpm bench` (scripts/bench.mjs); edits by hand are overwritten -->');
  out.push('');
  out.push(
    'What the proxy costs on the request path: each scenario drives the proxy with [autocannon](https://github.com/mcollina/autocannon) against a local mock upstream, right after driving the mock directly with the same upstream call, so every ratio compares two figures from the same run and the same minute.',
  );
  out.push('');
  out.push(`- **Date:** ${R.date}`);
  out.push(`- **Machine:** ${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}`);
  out.push(
    `- **Versions:** ones-proxy ${v.onesProxy}${v.commit ? ` (${v.commit})` : ''}, Node ${v.node}, undici ${v.undici}, autocannon ${v.autocannon}${v.portkey ? `, @portkey-ai/gateway ${v.portkey}` : ''}`,
  );
  out.push(
    `- **Settings:** ${s.connections} connections; per scenario a ${s.warmup} s warm-up of each side, then ${s.rounds} alternating run${s.rounds === 1 ? '' : 's'} of ${(s.duration / s.rounds).toFixed(1)} s (direct, proxy, direct, proxy, …), the best run of each side counts; proxy = built CLI in one process (1 worker); mock answers ${s.mock.chunks} chunks × ${s.mock.chunkSize} characters, latency ${s.mock.latencyMs} ms; load generator, mock and proxy share the machine's ${m.cores} cores`,
  );
  out.push(`- **Command:** \`${R.command}\``);
  out.push('');
  out.push('## Throughput');
  out.push('');
  out.push(
    mdTable(
      ['scenario', 'direct req/s', 'req/s', 'p50 ms', 'p99 ms', 'errors / non-2xx', 'ratio to direct', 'proxy CPU µs / request', 'CPU cores proxy / mock / driver', 'other load'],
      rows.map((r) => [r.title, r.direct, r.rps, r.p50, r.p99, r.errors, r.ratio, r.usPerReq, r.cpu, r.other]),
    ),
  );
  out.push('');
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    for (const r of notes) out.push(`- ${r.title}: ${r.note}`);
    out.push('');
  }
  out.push(
    '"direct" is the upstream call the proxy itself makes, sent straight to the mock (for a translation, the provider-side protocol); req/s counts 2xx answers only; latencies are exact percentiles over every response of the best run; errors are summed over all runs. CPU is cores used during the best run (1.00 = one core busy), and "proxy CPU µs / request" the proxy\'s (or Portkey\'s) CPU time per answered request in that run, the figure least moved by other load; "other load" is what processes outside the benchmark used meanwhile (worst run): above ~0.1 core the figures are skewed.',
  );
  out.push('');
  out.push('## Other figures');
  out.push('');
  out.push(...extraLines(R));
  out.push('');
  out.push('## Targets (issue #6)');
  out.push('');
  out.push(mdTable(['target', 'measured', 'result'], R.targets.map((t) => [t.what, t.value, t.pass === null ? 'not measured' : t.pass ? 'pass' : '**fail**']), 1));
  out.push('');
  if (R.profile) {
    out.push(`## CPU profile of the proxy (${R.profile.scenario ?? 'OpenAI passthrough, non-stream'})`);
    out.push('');
    out.push(`\`node --cpu-prof\` on the CLI under ${s.connections} connections for ${R.profile.seconds} s; ${f1(R.profile.idlePct)} % idle. Self time, share of busy time:`);
    out.push('');
    out.push(mdTable(['module', 'self ms', '%'], R.profile.modules.slice(0, 12).map((x) => [x.module, f0(x.selfMs), f1(x.pct)])));
    out.push('');
    out.push(mdTable(['function', 'where', 'self ms', '%'], R.profile.functions.slice(0, 20).map((x) => [x.name, x.where, f0(x.selfMs), f1(x.pct)]), 2));
    out.push('');
    out.push('`writev` is the native socket write (the syscall, with the kernel\'s loopback TCP work); "(program)" is V8/native work outside JavaScript; the profile covers the whole process life, start-up included.');
    out.push('');
  }
  out.push('## Method');
  out.push('');
  out.push(
    [
      '- **Mock upstream** (`scripts/bench/mock.mjs`, its own process, plain `node:http`): OpenAI `/v1/chat/completions` and Anthropic `/v1/messages`, stream and not, answers built once per (protocol, model, stream, usage) and served from a buffer; a stream is written in one go (chunked SSE) unless a chunk delay is set. Model `broken` answers 500.',
      '- **Proxy**: `packages/cli/dist/cli.js`, one process, a generated config (providers `flaky` → `broken`, `oa` → `m` (OpenAI), `an` → `c` (Anthropic), all on the mock), an environment holding nothing else (no keys, DeGPT off).',
      '- **Reference** (`scripts/bench/reference-proxy.mjs`, its own process): the smallest useful proxy, node:http in, the JSON body parsed and re-serialised, an undici keep-alive pool out, the answer buffered and sent back (a stream written to the client chunk by chunk as it arrives); measured like the proxy, it shows what any Node proxy reaches on this machine.',
      '- **Scenarios**: the client asks for `m` on its own protocol (passthrough), `m` on `/v1/messages` (Anthropic client → OpenAI provider), `c` on `/v1/chat/completions` (OpenAI client → Anthropic provider), `auto` (the router skips `broken` once it has failed and is cooling down), and `broken` on a second proxy whose router never cools down (every request fails over to `m`). Each answer is checked once before its scenario is measured.',
      '- **Added latency at 1 connection**: sequential requests on one keep-alive undici connection, direct and proxy alternating twice, µs from `process.hrtime`.',
      '- **RSS**: a fresh proxy, the five request kinds in turn over 32 connections, in 10 equal steps; RSS (`/proc/<pid>/status` VmRSS) sampled every 100 ms, the median of the step that ends at half the requests against the median of the last step.',
      '- **Chunks/s**: a proxy whose only model answers 2,000 chunks, 8 concurrent Anthropic-client streams, counting `content_block_delta` events received per second.',
      '- **Other load**: this machine may run other jobs; before each run the benchmark waits (bounded) for them to settle, measures a round again when they disturbed it, and reports what they used. With more than ~0.1 core of other load the figures are skewed: proxy, mock and load generator then share fewer than two cores. The proxy\'s CPU µs per request moves least.',
    ].join('\n'),
  );
  out.push('');
  out.push('## How to run');
  out.push('');
  out.push('```sh');
  out.push('pnpm bench                       # builds if needed, full run, rewrites this file');
  out.push("pnpm bench --portkey --profile   # + Portkey's gateway (installed once into .bench/) and a CPU profile of the proxy");
  out.push('pnpm bench --quick               # 3 s smoke run, prints only (add --write to keep it)');
  out.push('node scripts/bench.mjs --help    # every option');
  out.push('```');
  out.push('');
  return out.join('\n');
}
