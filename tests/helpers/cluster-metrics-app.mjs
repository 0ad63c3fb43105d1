// A two-worker cluster whose primary aggregates the workers' metrics: each worker counts 3 requests, then one worker's /metrics is printed.
import cluster from 'node:cluster';
import http from 'node:http';
const { createOps, aggregateWorkerMetrics } = await import('@ones-proxy/server');
if (cluster.isPrimary) {
  aggregateWorkerMetrics();
  for (let i = 0; i < 2; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', async (_w, m) => {
    if (m !== 'ready' || ++ready < 2) return;
    const text = await (await fetch(`http://127.0.0.1:${process.env.PORT}/`)).text();
    console.log(text.split('\n').filter((l) => l.includes('ones_requests_total')).join('\n'));
    for (const w of Object.values(cluster.workers)) w.kill();
  });
} else {
  const ops = createOps({ processMetrics: false });
  const rec = { id: 'x', method: 'GET', path: '/', route: '/', client: null, modelAsked: null, model: null, provider: null, modelLabel: 'none', attempts: 0, status: 200, stream: false, outcome: null, durationMs: 1, ttfbMs: 1, tokensIn: null, tokensOut: null, sessionId: null };
  for (let i = 0; i < 3; i++) ops.observer.request(rec);
  http.createServer(async (_q, s) => { const m = await ops.observer.metrics(); s.end(m.body); }).listen(Number(process.env.PORT), '127.0.0.1', () => process.send('ready'));
}
