#!/usr/bin/env node
// Instructions per request of own-cpu.mjs scenarios, counted by valgrind's callgrind: the totals of two
// runs that differ only in their number of requests, differenced, so start-up and warm-up cancel out.
// V8 runs single-threaded (no background compilation or marking), which makes the count repeatable.
//
//   node scripts/bench/own-instructions.mjs openai-passthrough openai-passthrough-ops
//   FEW=20000 MANY=60000 node scripts/bench/own-instructions.mjs a2o-stream
//
// Scenarios run two at a time. A run of 60,000 requests takes one to three minutes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = new URL('./own-cpu.mjs', import.meta.url).pathname;
const few = Number(process.env.FEW ?? 20_000);
const many = Number(process.env.MANY ?? 60_000);
const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: own-instructions.mjs <scenario> … (the scenarios of own-cpu.mjs)');
  process.exit(2);
}

async function total(scenario, requests) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', script, scenario];
  const { stderr } = await run('valgrind', args, { env: { ...process.env, REQUESTS: String(requests), ROUNDS: '1' }, maxBuffer: 1 << 24 }).catch((e) => {
    console.error(`own-instructions: valgrind failed for ${scenario}: ${e.stderr?.split('\n').slice(-3).join(' ') || e.message} (is Debian's valgrind installed?)`);
    process.exit(1);
  });
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m) throw new Error(`no instruction count for ${scenario}`);
  return Number(m[1]);
}

async function perRequest(scenario) {
  const [a, b] = [await total(scenario, few), await total(scenario, many)];
  return Math.round((b - a) / (many - few));
}

const out = {};
for (let i = 0; i < names.length; i += 2) {
  const pair = names.slice(i, i + 2);
  const counts = await Promise.all(pair.map(perRequest));
  pair.forEach((n, k) => (out[n] = counts[k]));
}
console.log(`instructions per request (${few.toLocaleString('en-US')} vs ${many.toLocaleString('en-US')} requests, differenced)`);
for (const n of names) console.log(`  ${n.padEnd(30)} ${out[n].toLocaleString('en-US').padStart(8)}`);
