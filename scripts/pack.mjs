#!/usr/bin/env node
// Packs the packages as they would be published, and optionally installs them
// the way a user of npm would get them:
//
//   node scripts/pack.mjs <dir>                packs core, server and cli into <dir>/*.tgz
//   node scripts/pack.mjs <dir> --app <appdir> also lays out <appdir> as the installed
//                                              `ones-proxy` package (dist/, package.json,
//                                              node_modules/ with production dependencies
//                                              only): what the Docker image runs
//
// `pnpm pack` writes each `workspace:*` dependency as the version it points
// to, so the tarballs install without the monorepo. Expects built packages.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNPM } from './build-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error(`pack: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const [destArg, flag, appArg] = process.argv.slice(2);
if (!destArg || (flag && (flag !== '--app' || !appArg))) {
  console.error('usage: node scripts/pack.mjs <dir> [--app <appdir>]');
  process.exit(2);
}
const dest = resolve(destArg);
mkdirSync(dest, { recursive: true });
sh('npx', [...PNPM, '-r', '--filter', './packages/**', 'pack', '--pack-destination', dest], root);
const tarballs = readdirSync(dest)
  .filter((f) => /^ones-proxy-.*\.tgz$/.test(f))
  .map((f) => join(dest, f));
for (const t of tarballs) console.log(t);

if (appArg) {
  const app = resolve(appArg);
  // all three tarballs in one install: the cli's dependencies on core and server are met by them
  const work = mkdtempSync(join(dest, 'install-'));
  writeFileSync(join(work, 'package.json'), '{ "private": true }\n');
  sh('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], work);
  rmSync(app, { recursive: true, force: true });
  renameSync(join(work, 'node_modules/ones-proxy'), app);
  // links and npm's record of the install would point at the moved package
  for (const f of ['.bin', '.package-lock.json']) rmSync(join(work, 'node_modules', f), { recursive: true, force: true });
  renameSync(join(work, 'node_modules'), join(app, 'node_modules'));
  rmSync(work, { recursive: true, force: true });
  console.log(app);
}
