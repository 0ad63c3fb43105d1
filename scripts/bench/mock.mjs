#!/usr/bin/env node
// A fast mock LLM upstream for `pnpm bench`: OpenAI Chat Completions and
// Anthropic Messages, streaming and not, with answers built once per
// (protocol, model, stream, usage) and then served from a buffer.
//
// Run on its own:   node scripts/bench/mock.mjs --port 8100 [--chunks 20] [--chunk-size 8]
//                     [--latency 0] [--chunk-delay 0] [--fail-models a,b] [--profile long=2000x8]
// Forked (bench.mjs): options come as JSON in argv[2] after `--json`, and the
// bound port is reported with process.send({ ready: true, port }).
//
// Behaviour:
//   POST /v1/chat/completions  OpenAI; `"stream": true` → SSE of N content chunks, a finish
//                              chunk, a usage chunk when stream_options.include_usage, `[DONE]`.
//   POST /v1/messages          Anthropic; `"stream": true` → message_start … N content_block_delta
//                              … message_delta, message_stop.
//   GET  /v1/models            both shapes at once (data[] with id, type, display_name).
//   GET  /__stats              counters (requests, connections opened, by route, by model); POST /__stats/reset zeroes them.
//   A model listed in failModels answers 500 with the protocol's error body (and counts as `failed`).
//   Paths under /fail/… answer 500 whatever the model.
//   latency: delay before the answer's first byte; chunkDelay: delay between streamed chunks
//   (0 → the whole stream is written in one go, which is what a throughput test wants).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  /** content chunks in a streamed answer (the non-stream answer holds the same text) */
  chunks: 20,
  /** characters per content chunk */
  chunkSize: 8,
  latencyMs: 0,
  chunkDelayMs: 0,
  failModels: [],
  /** per-model overrides: { "long": { chunks: 2000, chunkSize: 8 } } */
  profiles: {},
  models: ['m', 'c'],
};

const CREATED = 1_700_000_000;
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';

function textChunk(i, size) {
  let s = '';
  let k = (i * size) % WORDS.length;
  while (s.length < size) {
    s += WORDS[k];
    k = (k + 1) % WORDS.length;
  }
  return s;
}

const sse = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
const event = (name, obj) => `event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`;

/** Builds the body (a Buffer, or an array of Buffers for a paced stream) for one kind of answer. */
export function buildAnswer(protocol, model, stream, usage, { chunks, chunkSize }) {
  const parts = Array.from({ length: chunks }, (_, i) => textChunk(i, chunkSize));
  const text = parts.join('');
  const outTokens = Math.max(1, Math.round(text.length / 4));
  if (protocol === 'openai') {
    const id = 'chatcmpl-mock0001';
    if (!stream) {
      return Buffer.from(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: CREATED,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: outTokens, total_tokens: 12 + outTokens },
        }),
      );
    }
    const base = { id, object: 'chat.completion.chunk', created: CREATED, model };
    const frames = [sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })];
    for (const p of parts) frames.push(sse({ ...base, choices: [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }] }));
    frames.push(sse({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
    if (usage) frames.push(sse({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: outTokens, total_tokens: 12 + outTokens } }));
    frames.push('data: [DONE]\n\n');
    return frames.map((f) => Buffer.from(f));
  }
  const id = 'msg_mock0001';
  if (!stream) {
    return Buffer.from(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: outTokens },
      }),
    );
  }
  const frames = [
    event('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } },
    }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', { type: 'ping' }),
  ];
  for (const p of parts) frames.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }));
  frames.push(event('content_block_stop', { type: 'content_block_stop', index: 0 }));
  frames.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outTokens } }));
  frames.push(event('message_stop', { type: 'message_stop' }));
  return frames.map((f) => Buffer.from(f));
}

const ERROR_BODY = {
  openai: Buffer.from(JSON.stringify({ error: { message: 'mock upstream failure', type: 'server_error', param: null, code: null } })),
  anthropic: Buffer.from(JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'mock upstream failure' } })),
};

const RE_MODEL = /"model"\s*:\s*"((?:[^"\\]|\\.)*)"/;
const RE_STREAM = /"stream"\s*:\s*true/;
const RE_USAGE = /"include_usage"\s*:\s*true/;

export function createMock(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const fail = new Set(o.failModels);
  const cache = new Map();
  const stats = { requests: 0, failed: 0, connections: 0, byRoute: {}, byModel: {} };

  const answerFor = (protocol, model, stream, usage) => {
    const key = `${protocol}|${stream ? 1 : 0}|${usage ? 1 : 0}|${model}`;
    let a = cache.get(key);
    if (!a) {
      const shape = o.profiles[model] ?? o;
      const body = buildAnswer(protocol, model, stream, usage, { chunks: shape.chunks ?? o.chunks, chunkSize: shape.chunkSize ?? o.chunkSize });
      a = stream
        ? { frames: body, whole: Buffer.concat(body) }
        : { whole: body, headers: ['content-type', 'application/json', 'content-length', String(body.length)] };
      if (cache.size > 1000) cache.clear(); // unknown model names cannot grow it without bound
      cache.set(key, a);
    }
    return a;
  };

  const modelsBody = Buffer.from(
    JSON.stringify({ object: 'list', data: o.models.map((id) => ({ id, object: 'model', type: 'model', display_name: id, created: CREATED, owned_by: 'mock' })), has_more: false }),
  );
  const SSE_HEADERS = ['content-type', 'text/event-stream', 'cache-control', 'no-cache'];

  const send = (res, fn) => (o.latencyMs > 0 ? setTimeout(fn, o.latencyMs) : fn());

  const writeStream = (res, a) => {
    res.writeHead(200, SSE_HEADERS);
    if (o.chunkDelayMs <= 0) {
      // chunked transfer-encoding, as real SSE upstreams answer, in one write
      res.write(a.whole);
      res.end();
      return;
    }
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i < a.frames.length) {
        res.write(a.frames[i++]);
        setTimeout(next, o.chunkDelayMs);
      } else res.end();
    };
    next();
  };

  const server = http.createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    res.sendDate = false;
    const url = req.url ?? '/';
    stats.requests++;
    if (req.method === 'GET') {
      if (url.startsWith('/v1/models')) {
        res.writeHead(200, ['content-type', 'application/json', 'content-length', String(modelsBody.length)]);
        res.end(modelsBody);
      } else if (url === '/__stats') {
        const b = JSON.stringify(stats);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(b);
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
      }
      return;
    }
    if (url === '/__stats/reset') {
      stats.requests = 0;
      stats.failed = 0;
      stats.connections = 0;
      stats.byRoute = {};
      stats.byModel = {};
      res.end('{}');
      req.resume();
      return;
    }
    const protocol = url.endsWith('/chat/completions') ? 'openai' : url.endsWith('/messages') ? 'anthropic' : null;
    // bodies are small: keep the Buffer(s) and read them as latin1 once
    let first = null;
    let more = null;
    req.on('data', (c) => {
      if (first === null) first = c;
      else (more ??= [first]).push(c);
    });
    req.on('end', () => {
      const body = more ? Buffer.concat(more).latin1Slice() : first ? first.latin1Slice() : '';
      if (!protocol) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      stats.byRoute[url] = (stats.byRoute[url] ?? 0) + 1;
      const model = RE_MODEL.exec(body)?.[1] ?? 'unknown';
      stats.byModel[model] = (stats.byModel[model] ?? 0) + 1;
      if (fail.has(model) || url.startsWith('/fail/')) {
        stats.failed++;
        const b = ERROR_BODY[protocol];
        send(res, () => {
          res.writeHead(500, ['content-type', 'application/json', 'content-length', String(b.length)]);
          res.end(b);
        });
        return;
      }
      const stream = RE_STREAM.test(body);
      const a = answerFor(protocol, model, stream, stream && protocol === 'openai' && RE_USAGE.test(body));
      send(res, () => {
        if (stream) writeStream(res, a);
        else {
          res.writeHead(200, a.headers);
          res.end(a.whole);
        }
      });
    });
  });
  server.on('connection', () => stats.connections++);
  // keep-alive outlives a whole run, so no connection is re-opened mid-measurement
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  return { server, stats, options: o };
}

export function startMock(options = {}) {
  const mock = createMock(options);
  return new Promise((resolve, reject) => {
    mock.server.once('error', reject);
    mock.server.listen(mock.options.port, mock.options.host, () => {
      mock.server.off('error', reject);
      resolve({ ...mock, port: mock.server.address().port, close: () => new Promise((r) => mock.server.close(() => r())) });
    });
  });
}

function parseArgv(argv) {
  const i = argv.indexOf('--json');
  if (i >= 0) return JSON.parse(argv[i + 1]);
  const o = {};
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const v = argv[k + 1];
    if (a === '--port') o.port = Number(v);
    else if (a === '--host') o.host = v;
    else if (a === '--chunks') o.chunks = Number(v);
    else if (a === '--chunk-size') o.chunkSize = Number(v);
    else if (a === '--latency') o.latencyMs = Number(v);
    else if (a === '--chunk-delay') o.chunkDelayMs = Number(v);
    else if (a === '--fail-models') o.failModels = v.split(',').filter(Boolean);
    else if (a === '--models') o.models = v.split(',').filter(Boolean);
    else if (a === '--profile') {
      // name=CHUNKSxSIZE
      const [name, spec] = v.split('=');
      const [chunks, chunkSize] = spec.split('x').map(Number);
      o.profiles = { ...o.profiles, [name]: { chunks, chunkSize } };
    } else continue;
    k++;
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgv(process.argv.slice(2));
  const mock = await startMock(opts);
  if (process.send) process.send({ ready: true, port: mock.port });
  else console.log(`mock upstream listening on http://${mock.options.host}:${mock.port}`);
  const stop = () => mock.server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // forked: die with the parent
  process.on('disconnect', () => process.exit(0));
}
