#!/usr/bin/env node
// Entry for the root scripts: installs dependencies and builds when needed, so
// `npm start`, `npm test` and `npm run build` work on a fresh clone with only
// Node and npm (pnpm is fetched by npx at the pinned version).
//
// Every step runs as an asynchronous child: SIGTERM, SIGINT and SIGHUP sent to
// this process (by a process manager, or by npm passing on its own) are
// forwarded to the step running, and this process exits with that step's code,
// so the server never outlives its launcher. The server takes SIGHUP as "reload
// the config file" and goes on; so does this process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_ARGS, PACKAGES, PNPM, staleBuilds } from './build-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const say = (line) => console.error(`> ${line}`);

let current = null;
let signalled = null;
function onSignal(sig) {
  // SIGHUP to a running server asks it to reload its config, not to stop: passed on, not remembered
  if (sig !== 'SIGHUP' || !current) signalled ??= sig;
  if (current) current.kill(sig);
  else exitLike({ code: null, signal: sig });
}
for (const sig of SIGNALS) process.on(sig, () => onSignal(sig));
// npm (and pnpm) run this script through `sh -c`, and sh does not pass on the
// SIGTERM npm forwards to it: when that sh is gone (this process was
// re-parented), npm was stopped, so stop as if told to. Only under npm: a
// shell that started this process directly may exit and leave it running.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && onSignal('SIGTERM'), 500).unref();
}

/** Exits the way the child did: with its code, or by the signal that ended it (as a shell does). */
function exitLike({ code, signal }) {
  if (signal) {
    for (const s of SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    // not reached when the signal's default action ended the process
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
}

/** Starts one child; `done` resolves with how it ended. */
function child(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  current = proc;
  const done = new Promise((resolve) => {
    proc.once('error', (e) => {
      console.error(`${cmd}: ${e.message}`);
      resolve({ code: 127, signal: null });
    });
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => (current = null));
  return { proc, done };
}

/** Stops here when a step failed, or when a signal asked us to stop while it ran. */
function mustSucceed(r) {
  if (r.code !== 0 || r.signal) exitLike(r);
  else if (signalled) exitLike({ code: null, signal: signalled });
}

async function ensureInstalled() {
  if (existsSync(join(root, 'node_modules/.modules.yaml'))) return;
  say('installing dependencies (pnpm, from the lockfile)');
  mustSucceed(await child('npx', [...PNPM, 'install', '--frozen-lockfile']).done);
}

/**
 * Builds every package. `verbose` shows the build tools' own output; otherwise
 * one line per package as it is done, and the whole output only on failure.
 */
async function build(verbose) {
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  say(`building ${PACKAGES.join(', ')} with tsup (takes 10-20 s)`);
  if (verbose) {
    mustSucceed(await child('npx', BUILD_ARGS).done);
  } else {
    let out = '';
    const { proc, done } = child('npx', BUILD_ARGS, { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      for (const m of d.matchAll(/^packages\/(\S+) build: Done/gm)) say(`built ${m[1]} (${secs()})`);
    });
    const r = await done;
    if (r.code !== 0) process.stderr.write(out);
    mustSucceed(r);
  }
  say(`build done in ${secs()}`);
}

async function ensureBuilt() {
  const stale = staleBuilds(root, PACKAGES);
  if (stale.length === 0) return;
  say(`${stale.join(', ')}: no build yet, or sources newer than it`);
  await build(false);
}

const [cmd, ...rest] = process.argv.slice(2);
const commands = {
  start: async () => {
    await ensureBuilt();
    say('starting ones-proxy (packages/cli/dist/cli.js)');
    return [process.execPath, [join(root, 'packages/cli/dist/cli.js'), ...rest]];
  },
  test: async () => {
    await ensureBuilt();
    return [join(root, 'node_modules/.bin/vitest'), ['run', ...rest]];
  },
  bench: async () => {
    await ensureBuilt();
    return [process.execPath, [join(root, 'scripts/bench.mjs'), ...rest]];
  },
  build: async () => {
    await build(true);
    return null;
  },
};
if (!commands[cmd]) {
  console.error('usage: node scripts/run.mjs start|test|bench|build [args]');
  process.exit(2);
}
await ensureInstalled();
const last = await commands[cmd]();
if (last) exitLike(await child(...last).done);
else process.exit(0);
