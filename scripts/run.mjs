#!/usr/bin/env node
// Entry for the root scripts: installs dependencies and builds when needed, so
// `npm start` and `npm test` work on a fresh clone with only Node and npm.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { staleBuilds } from './build-state.mjs';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const PACKAGES = ['core', 'server', 'cli'];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function ensureInstalled() {
  if (!existsSync(join(root, 'node_modules/.modules.yaml'))) {
    console.error('> installing dependencies (pnpm, from the lockfile)');
    sh('npx', [...PNPM, 'install', '--frozen-lockfile']);
  }
}

function ensureBuilt() {
  if (staleBuilds(root, PACKAGES).length) {
    console.error('> building packages');
    sh('npx', [...PNPM, '-r', '--filter', './packages/**', 'build'], { stdio: ['inherit', 'ignore', 'inherit'] });
  }
}

const [cmd, ...rest] = process.argv.slice(2);
ensureInstalled();
ensureBuilt();
if (cmd === 'start') sh(process.execPath, [join(root, 'packages/cli/dist/cli.js'), ...rest]);
else if (cmd === 'test') sh(join(root, 'node_modules/.bin/vitest'), ['run', ...rest]);
else if (cmd === 'bench') sh(process.execPath, [join(root, 'scripts/bench.mjs'), ...rest]);
else {
  console.error('usage: node scripts/run.mjs start|test|bench [args]');
  process.exit(2);
}
