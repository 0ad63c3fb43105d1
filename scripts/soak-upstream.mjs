#!/usr/bin/env node
// The soak test's mock upstream (forked by scripts/soak.mjs): an OpenAI and an
// Anthropic server on two loopback ports, answering from prebuilt buffers.
// What a chat request gets depends on its model name:
//   *-fail   an HTTP error in the protocol's shape (500, 502, 503, 429 in turn; 529 for Anthropic)
//   *-cut    200, then the connection is cut mid-answer (after the first SSE burst / half the JSON)
//   *-slow   40 ms before the answer (non-stream), or between the two halves of a stream
//   other    an immediate answer; a stream goes out in two bursts
// Reports { ready, openaiPort, anthropicPort } over IPC, answers { type: 'stats' } with its counters.
import http from 'node:http';

const SLOW_MS = 40;
const CUT_MS = 2;
const WORDS = 'soak test answer text that is long enough to make a few chunks of a stream '.split(' ');
const TEXT_CHUNKS = Array.from({ length: 8 }, (_, i) => `${WORDS[i % WORDS.length]} `);
const TEXT = TEXT_CHUNKS.join('');
const CREATED = 1_700_000_000;

export const stats = { requests: 0, chats: 0, failed: 0, cut: 0, slow: 0, slowStream: 0, closedEarly: 0, closedEarlyBy: {}, badBodies: 0 };

const sse = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
const ev = (type, obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`;

function openaiAnswer(model, stream, usage) {
  if (!stream) {
    return Buffer.from(
      JSON.stringify({
        id: 'chatcmpl-soak',
        object: 'chat.completion',
        created: CREATED,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 },
      }),
    );
  }
  const base = { id: 'chatcmpl-soak', object: 'chat.completion.chunk', created: CREATED, model };
  const chunk = (delta, finish = null) => sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage: null } : {}) });
  const frames = [chunk({ role: 'assistant', content: '' }), ...TEXT_CHUNKS.map((t) => chunk({ content: t })), chunk({}, 'stop')];
  if (usage) frames.push(sse({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 } }));
  frames.push('data: [DONE]\n\n');
  return halves(frames);
}

function anthropicAnswer(model, stream) {
  if (!stream) {
    return Buffer.from(
      JSON.stringify({
        id: 'msg_soak',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: TEXT }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 16 },
      }),
    );
  }
  const frames = [
    ev('message_start', { message: { id: 'msg_soak', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...TEXT_CHUNKS.map((t) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 16 } }),
    ev('message_stop', {}),
  ];
  return halves(frames);
}

/** A stream's frames as two buffers (two writes, so the proxy sees more than one chunk). */
function halves(frames) {
  const mid = Math.ceil(frames.length / 2);
  return [Buffer.from(frames.slice(0, mid).join('')), Buffer.from(frames.slice(mid).join(''))];
}

const cache = new Map();
function answer(protocol, model, stream, usage) {
  const key = `${protocol}|${model}|${stream}|${usage}`;
  let a = cache.get(key);
  if (!a) {
    a = protocol === 'openai' ? openaiAnswer(model, stream, usage) : anthropicAnswer(model, stream);
    cache.set(key, a);
  }
  return a;
}

const FAIL_STATUS = { openai: [500, 502, 503, 429], anthropic: [500, 529, 503, 429] };
function errorBody(protocol, status) {
  const message = `soak: planned failure ${status}`;
  return JSON.stringify(
    protocol === 'openai'
      ? { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', param: null, code: null } }
      : { type: 'error', error: { type: status === 529 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : 'api_error', message } },
  );
}

const SSE_HEAD = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_HEAD = { 'content-type': 'application/json' };

function serve(protocol) {
  const chatPath = protocol === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  return http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    stats.requests++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/v1/models') {
        res.writeHead(200, JSON_HEAD);
        return res.end(JSON.stringify({ object: 'list', data: [] }));
      }
      if (req.method !== 'POST' || path !== chatPath) {
        res.writeHead(404, JSON_HEAD);
        return res.end(errorBody(protocol, 404));
      }
      stats.chats++;
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        stats.badBodies++;
        res.writeHead(400, JSON_HEAD);
        return res.end(errorBody(protocol, 400));
      }
      const model = String(body.model ?? 'mock');
      const stream = body.stream === true;
      const usage = body.stream_options?.include_usage === true;
      const kind = model.includes('-fail') ? 'fail' : model.includes('-cut') ? 'cut' : model.includes('-slow') ? 'slow' : 'ok';
      res.on('close', () => {
        if (res.writableFinished) return;
        stats.closedEarly++;
        const k = stream ? `${kind}-stream` : kind;
        stats.closedEarlyBy[k] = (stats.closedEarlyBy[k] ?? 0) + 1;
      });

      if (model.includes('-fail')) {
        const list = FAIL_STATUS[protocol];
        const status = list[stats.failed++ % list.length];
        res.writeHead(status, status === 429 ? { ...JSON_HEAD, 'retry-after': '1' } : JSON_HEAD);
        return res.end(errorBody(protocol, status));
      }
      const a = answer(protocol, model, stream, usage);
      if (model.includes('-cut')) {
        stats.cut++;
        if (stream) {
          res.writeHead(200, SSE_HEAD);
          res.write(a[0]);
        } else {
          res.writeHead(200, { ...JSON_HEAD, 'content-length': String(a.length) });
          res.write(a.subarray(0, a.length >> 1));
        }
        setTimeout(() => res.destroy(), CUT_MS);
        return;
      }
      const slow = model.includes('-slow');
      if (slow) stats[stream ? 'slowStream' : 'slow']++;
      if (!stream) {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(200, JSON_HEAD);
          res.end(a);
        };
        if (slow) setTimeout(send, SLOW_MS);
        else send();
        return;
      }
      res.writeHead(200, SSE_HEAD);
      res.write(a[0]);
      const rest = () => res.destroyed || res.end(a[1]);
      if (slow) setTimeout(rest, SLOW_MS);
      else setImmediate(rest);
    });
  });
}

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const openai = serve('openai');
const anthropic = serve('anthropic');
const [openaiPort, anthropicPort] = await Promise.all([listen(openai), listen(anthropic)]);

if (process.send) {
  process.on('message', (m) => {
    if (m?.type === 'stats') process.send({ type: 'stats', id: m.id, stats });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', openaiPort, anthropicPort });
} else {
  console.log(`soak upstream: openai http://127.0.0.1:${openaiPort}/v1  anthropic http://127.0.0.1:${anthropicPort}`);
}
