// Whether a package's dist is older than its sources: shared by the scripts
// that run the built packages (run.mjs, soak.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
