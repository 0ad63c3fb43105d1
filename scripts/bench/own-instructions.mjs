#!/usr/bin/env node
// Instructions per request of own-cpu.mjs scenarios, counted by valgrind's callgrind: the totals of two
// runs that differ only in their number of requests, differenced, so start-up and warm-up cancel out.
// V8 runs single-threaded (no background compilation or marking), which makes one run repeatable; but
// where things land in memory moves a count by up to ±1.5k (inline caches that collide, say), and any
// change of code moves that layout. So each scenario runs under several V8 random seeds (SEEDS, default
// 4), and the mean is what to compare; the spread says how far to trust a difference.
//
//   node scripts/bench/own-instructions.mjs openai-passthrough openai-passthrough-ops
//   SEEDS=6 FEW=10000 MANY=30000 node scripts/bench/own-instructions.mjs a2o-stream
//
// Two runs at a time; one of 30,000 requests takes half a minute to a minute and a half.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = new URL('./own-cpu.mjs', import.meta.url).pathname;
const few = Number(process.env.FEW ?? 10_000);
const many = Number(process.env.MANY ?? 30_000);
const seeds = Array.from({ length: Number(process.env.SEEDS ?? 4) }, (_, k) => k + 1);
const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: own-instructions.mjs <scenario> … (the scenarios of own-cpu.mjs)');
  process.exit(2);
}

async function total(scenario, seed, requests) {
  const v8 = ['--single-threaded', `--random-seed=${seed}`, `--hash-seed=${seed}`];
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, ...v8, script, scenario];
  const { stderr } = await run('valgrind', args, { env: { ...process.env, REQUESTS: String(requests), ROUNDS: '1' }, maxBuffer: 1 << 24 }).catch((e) => {
    console.error(`own-instructions: valgrind failed for ${scenario}: ${e.stderr?.split('\n').slice(-3).join(' ') || e.message} (is Debian's valgrind installed?)`);
    process.exit(1);
  });
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m) throw new Error(`no instruction count for ${scenario}`);
  return Number(m[1]);
}

// every (scenario, seed, count) is one run; they go two (or as many as there are cores) at a time
const jobs = names.flatMap((n) => seeds.flatMap((seed) => [few, many].map((count) => ({ n, seed, count, total: 0 }))));
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      job.total = await total(job.n, job.seed, job.count);
    }
  }),
);
const perRequest = (n, seed) => {
  const [a, b] = [few, many].map((count) => jobs.find((j) => j.n === n && j.seed === seed && j.count === count).total);
  return (b - a) / (many - few);
};
const fmt = (v) => Math.round(v).toLocaleString('en-US');
console.log(`instructions per request (${few.toLocaleString('en-US')} vs ${many.toLocaleString('en-US')} requests, differenced; mean over ${seeds.length} seeds, lowest–highest)`);
const base = names[0];
let baseMean = 0;
for (const n of names) {
  const v = seeds.map((s) => perRequest(n, s));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (n === base) baseMean = mean;
  const vs = n === base ? '' : `   ${mean >= baseMean ? '+' : ''}${(((mean - baseMean) / baseMean) * 100).toFixed(1)} % on ${base}`;
  console.log(`  ${n.padEnd(30)} ${fmt(mean).padStart(8)}   (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})${vs}`);
}
