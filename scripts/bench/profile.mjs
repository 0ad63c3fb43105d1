// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per module.
import { readFileSync } from 'node:fs';

/** Which package or part of the program a profile frame belongs to. */
export function moduleOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  if (url.startsWith('wasm://')) return 'undici (llhttp wasm)';
  const pnpm = /node_modules\/\.pnpm\/(@[^+/]+\+[^@/]+|[^@/]+)@/.exec(url);
  if (pnpm) return pnpm[1].replace('+', '/');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const pkg = /packages\/([^/]+)\/dist\//.exec(url);
  if (pkg) return `ones-proxy ${pkg[1]}`;
  return url.replace(/^file:\/\//, '');
}

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/packages\//, 'packages/');

/**
 * Returns { totalMs, busyMs, functions: [{ name, where, module, selfMs, pct }], modules: [...] },
 * percentages of busy time (everything but the idle node).
 */
export function summarizeProfile(file, top = 20) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const { samples, timeDeltas } = prof;
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byModule = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = cf.functionName || '(anonymous)';
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${name}|${where}`;
    const mod = cf.url ? moduleOf(cf.url) : name.startsWith('(') ? name : '(native / V8)';
    const e = byFn.get(key) ?? { name, where, module: mod, us: 0 };
    e.us += us;
    byFn.set(key, e);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  const busy = total - idle;
  const functions = [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, module: e.module, selfMs: e.us / 1000, pct: (100 * e.us) / busy }));
  const modules = [...byModule.entries()].sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, selfMs: us / 1000, pct: (100 * us) / busy }));
  return { totalMs: total / 1000, busyMs: busy / 1000, idlePct: (100 * idle) / total, functions, modules };
}
