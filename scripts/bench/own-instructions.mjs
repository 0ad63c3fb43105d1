#!/usr/bin/env node
// Instructions per request of own-cpu.mjs scenarios, counted by valgrind's callgrind, V8 single-threaded
// (no background compilation or marking), so that a run repeats exactly.
//
// Yet a count moves by up to ±3k instructions from one process to another that differs a little (another
// seed, another number of requests, a change of code elsewhere): where V8 places code and objects, and when
// it collects, shift with them. So the scenarios are measured together: every run warms them all up and runs
// them all, FEW requests each; one more run per scenario gives that one MANY requests. A scenario's count is
// its run's total minus the all-FEW run's, over MANY − FEW. That is repeated under SEEDS V8 random seeds
// (default 3), and each scenario is given against the first, seed by seed, and as their mean. Even so the
// seeds disagree by several per cent: a difference smaller than their spread is not one.
//
//   node scripts/bench/own-instructions.mjs openai-passthrough openai-passthrough-ops
//   SEEDS=5 FEW=5000 MANY=25000 node scripts/bench/own-instructions.mjs openai-passthrough a2o-stream
//
// The first scenario is the one the others are compared with. Two runs at a time; a run takes a minute or two.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = new URL('./own-cpu.mjs', import.meta.url).pathname;
const few = Number(process.env.FEW ?? 5_000);
const many = Number(process.env.MANY ?? 25_000);
const seeds = Array.from({ length: Number(process.env.SEEDS ?? 3) }, (_, k) => k + 1);
const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: own-instructions.mjs <scenario> … (the scenarios of own-cpu.mjs; the first is the base)');
  process.exit(2);
}

/** the instructions of one run: every scenario FEW requests, `more` (if any) MANY */
async function total(seed, more) {
  const v8 = ['--single-threaded', `--random-seed=${seed}`, `--hash-seed=${seed}`];
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, ...v8, script, ...names];
  const counts = names.map((n) => `${n}=${n === more ? many : few}`).join(',');
  const { stderr } = await run('valgrind', args, { env: { ...process.env, COUNTS: counts, ROUNDS: '1' }, maxBuffer: 1 << 24 }).catch((e) => {
    console.error(`own-instructions: valgrind failed: ${e.stderr?.split('\n').slice(-3).join(' ') || e.message} (is Debian's valgrind installed?)`);
    process.exit(1);
  });
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m) throw new Error('no instruction count in valgrind\'s output');
  return Number(m[1]);
}

const jobs = seeds.flatMap((seed) => [null, ...names].map((more) => ({ seed, more, total: 0 })));
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      job.total = await total(job.seed, job.more);
    }
  }),
);
const totalOf = (seed, more) => jobs.find((j) => j.seed === seed && j.more === more).total;
const perRequest = (n) => seeds.map((s) => (totalOf(s, n) - totalOf(s, null)) / (many - few));
const fmt = (v) => Math.round(v).toLocaleString('en-US');
const base = perRequest(names[0]);
console.log(`instructions per request (${fmt(many)} requests against ${fmt(few)}, scenarios run together; mean over ${seeds.length} seeds, lowest–highest)`);
for (const n of names) {
  const v = perRequest(n);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const rel = v.map((x, k) => (x - base[k]) / base[k] * 100);
  const vs = n === names[0] ? '' : `   ${(rel.reduce((a, b) => a + b, 0) / rel.length).toFixed(1)} % on ${names[0]} (${rel.map((x) => x.toFixed(1)).join(', ')})`;
  console.log(`  ${n.padEnd(30)} ${fmt(mean).padStart(8)}   (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})${vs}`);
}
