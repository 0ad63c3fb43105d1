#!/usr/bin/env node
// The soak test's proxy (forked by scripts/soak.mjs, so its RSS is the proxy's
// alone): the BUILT core and server packages, one OpenAI and one Anthropic
// provider on the soak upstream's ports. Options come as JSON in argv[2].
// IPC: sends { type: 'ready', port }; answers { type: 'sample', gc } with
// memory and active resources, { type: 'close' } with a graceful shutdown.
import { createProxy } from '../packages/core/dist/index.js';
import { createServer } from '../packages/server/dist/index.js';

const opts = JSON.parse(process.argv[2] ?? '{}');
const { openaiPort, anthropicPort } = opts;

const warnings = [];
const logger = {
  debug() {},
  info() {},
  // planned upstream failures log a warning per attempt: count them, keep a few
  warn(obj, msg) {
    if (warnings.length < 5) warnings.push(`${msg} ${JSON.stringify(obj).slice(0, 300)}`);
    counts.warn++;
  },
  error(obj, msg) {
    counts.error++;
    if (errors.length < 20) errors.push(`${msg} ${JSON.stringify(obj).slice(0, 500)}`);
  },
};
const counts = { warn: 0, error: 0 };
const errors = [];

const proxy = createProxy({
  logger,
  providers: [
    { name: 'oa', type: 'openai', baseURL: `http://127.0.0.1:${openaiPort}/v1`, apiKey: 'soak-key-oa', models: ['oa-m1', 'oa-m2', 'oa-slow', 'oa-fail', 'oa-cut'] },
    { name: 'an', type: 'anthropic', baseURL: `http://127.0.0.1:${anthropicPort}`, apiKey: 'soak-key-an', models: ['an-m1', 'an-m2', 'an-slow', 'an-fail', 'an-cut'] },
  ],
  // no cooldown: the planned failures must keep reaching the upstream (a cooled model would never be called again)
  router: { cooldownSeconds: 0, maxAttempts: 3 },
  // a stalled upstream must not hold a soak worker for two minutes
  timeouts: { firstByteMs: 10_000, idleMs: 10_000 },
});
await proxy.ready();
const server = createServer(proxy, { logger });
await new Promise((r) => server.listen(0, '127.0.0.1', r));

function sample(gc) {
  if (gc && typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  const resources = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  return {
    memory: process.memoryUsage(),
    resources,
    handles: process._getActiveHandles?.().length,
    requests: process._getActiveRequests?.().length,
    connections: new Promise((resolve) => server.getConnections((_, n) => resolve(n))),
    counts,
    errors,
    warnings,
  };
}

process.on('message', async (m) => {
  if (m?.type === 'sample') {
    const s = sample(m.gc);
    process.send({ type: 'sample', id: m.id, ...s, connections: await s.connections });
  } else if (m?.type === 'close') {
    await server.shutdown(2000);
    process.send({ type: 'closed', id: m.id });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', port: server.address().port });
