// Whether a package's dist is older than its sources, and the one build
// command: shared by the scripts that run the built packages (run.mjs, soak.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** pnpm at the version the lockfile was written with, fetched by npx when absent. */
export const PNPM = ['-y', 'pnpm@10.34.9'];
/** In dependency order. */
export const PACKAGES = ['core', 'server', 'cli'];
/** `npx` arguments that build every package (the filter is an argument, never seen by a shell). */
export const BUILD_ARGS = [...PNPM, '-r', '--filter', './packages/**', 'build'];

export function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Packages under packages/ whose dist/index.js is missing or older than src/. */
export function staleBuilds(root, packages) {
  return packages.filter((p) => {
    const out = join(root, 'packages', p, 'dist/index.js');
    return !existsSync(out) || newest(join(root, 'packages', p, 'src')) > statSync(out).mtimeMs;
  });
}
