#!/usr/bin/env node
// The smallest useful proxy, as a yardstick for the benchmark: node:http in,
// the JSON body parsed and re-serialised, an undici keep-alive pool out, the
// upstream's answer buffered and sent back with its status and content type;
// a streamed answer (`"stream": true`) is written to the client chunk by chunk
// as it arrives. What ones-proxy's passthrough does beyond this is its own overhead.
//
//   node scripts/bench/reference-proxy.mjs --json '{"upstream":"http://127.0.0.1:PORT"}'
// Forked, it reports { ready: true, port } over IPC.
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const { Pool } = createRequire(join(root, 'packages/core/package.json'))('undici');

const i = process.argv.indexOf('--json');
const opts = { host: '127.0.0.1', port: 0, ...(i >= 0 ? JSON.parse(process.argv[i + 1]) : {}) };
const upstream = new Pool(opts.upstream, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify(parsed);
      const up = await upstream.request({
        path: req.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body,
      });
      if (parsed.stream === true) {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'text/event-stream'), 'cache-control': 'no-cache' });
        for await (const chunk of up.body) res.write(chunk);
        res.end();
        return;
      }
      const buf = Buffer.from(await up.body.arrayBuffer());
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
      res.end(buf);
    } catch (e) {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(e?.message ?? e) } }));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  if (process.send) process.send({ ready: true, port });
  else console.log(`reference proxy listening on http://${opts.host}:${port} → ${opts.upstream}`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('disconnect', () => process.exit(0));
