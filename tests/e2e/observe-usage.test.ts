/**
 * What an observer (metrics, the access log) is told of each request: the token counts read from the
 * answers as they pass, whatever their layout, size or chunking, both protocols, passthrough and translated;
 * the request id.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, ClientSignal, type RequestRecord } from '@ones-proxy/core';
import { createOps } from '@ones-proxy/server';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { sleep, startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';

/** what the OpenAI upstream answers, by the first user message's text */
const OPENAI: Record<string, string | string[]> = {
  // usage first, then a tool call whose arguments (an escaped string) and content say "usage"
  'usage-first': JSON.stringify({
    id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-x',
    usage: { prompt_tokens: 31, completion_tokens: 7, total_tokens: 38 },
    choices: [{ index: 0, message: { role: 'assistant', content: 'the "usage" key', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"usage":{"prompt_tokens":999}}' } }] }, finish_reason: 'tool_calls' }],
  }),
  // as a Python server prints it: spaces after colons and commas, details objects with the same names nested
  pretty: JSON.stringify({ id: 'c2', object: 'chat.completion', created: 1, model: 'gpt-x', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens_details: { prompt_tokens: 5 }, prompt_tokens: 12, completion_tokens: 40, total_tokens: 52 } }, null, 1),
  // a long answer whose usage is far from its end
  long: JSON.stringify({ id: 'c3', object: 'chat.completion', created: 1, model: 'gpt-x', usage: { prompt_tokens: 1234, completion_tokens: 4321, total_tokens: 5555 }, choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(20_000) }, finish_reason: 'stop' }] }),
  none: JSON.stringify({ id: 'c4', object: 'chat.completion', created: 1, model: 'gpt-x', choices: [{ index: 0, message: { role: 'assistant', content: 'no usage here' }, finish_reason: 'stop' }] }),
  // a stream, frame by frame, its usage in its last frame before [DONE]
  stream: [
    ...['Hel', 'lo'].map((t) => `data: ${JSON.stringify({ id: 's', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta: { content: t }, finish_reason: null }], usage: null })}\n\n`),
    `data: ${JSON.stringify({ id: 's', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null })}\n\n`,
    `data: ${JSON.stringify({ id: 's', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`,
    'data: [DONE]\n\n',
  ],
};

const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
/** an Anthropic stream: input tokens in message_start, output tokens in message_delta */
const anthropicStream = (input: number, output: number) => [
  event('message_start', { message: { id: 'm', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, cache_creation_input_tokens: 100, cache_read_input_tokens: 200, output_tokens: 1 } } }),
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi there' } }),
  event('content_block_stop', { index: 0 }),
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } }),
  event('message_stop', {}),
];

let oa: ScriptedUpstream;
let an: ScriptedUpstream;
let px: RunningProxy;
const records: RequestRecord[] = [];
/** the record of the next request to end */
async function nextRecord<T>(call: () => Promise<T>): Promise<RequestRecord> {
  const before = records.length;
  await call();
  for (let i = 0; i < 100 && records.length === before; i++) await sleep(10);
  expect(records.length).toBe(before + 1);
  return records[before]!;
}

/** writes each piece apart, so that they reach the proxy as chunks of their own */
async function writeApart(res: import('node:http').ServerResponse, pieces: string[], type: string) {
  res.writeHead(200, { 'content-type': type });
  for (const p of pieces) {
    res.write(p);
    await sleep(5);
  }
  res.end();
}

beforeAll(async () => {
  oa = await startScriptedUpstream(async (req, res) => {
    if (req.path.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"gpt-x"}]}');
    const body = JSON.parse(req.body);
    const text = String(body.messages.find((m: { role: string }) => m.role === 'user')?.content ?? '');
    const answer = body.stream ? OPENAI.stream! : OPENAI[text]!;
    if (Array.isArray(answer)) return writeApart(res, answer, 'text/event-stream');
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
  an = await startScriptedUpstream(async (req, res) => {
    if (req.path.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"claude-x","type":"model"}],"has_more":false}');
    const body = JSON.parse(req.body);
    // the whole stream in one write: both usage frames in one chunk
    if (body.stream) return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(anthropicStream(25, 17).join(''));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ id: 'm', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'tool_use', id: 'tu', name: 'f', input: { usage: { input_tokens: 999 } } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 21, cache_creation_input_tokens: 3, cache_read_input_tokens: 4, output_tokens: 8, service_tier: 'standard' } }),
    );
  });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.url + '/v1', apiKey: 'k-oa-000000', models: ['gpt-x'] },
      { name: 'an', type: 'anthropic', baseURL: an.url, apiKey: 'k-an-000000', models: ['claude-x'] },
    ],
    observer: { request: (r) => void records.push({ ...r }) },
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

describe('token counts an observer is told', () => {
  const openai = () => new OpenAI({ baseURL: px.url + '/v1', apiKey: 'unused' });
  const anthropic = () => new Anthropic({ baseURL: px.url, apiKey: 'unused' });
  const ask = (content: string) => openai().chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content }] });

  it('from an OpenAI answer whatever its layout: usage first, pretty-printed, far from the end; null when it has none', async () => {
    const first = await nextRecord(() => ask('usage-first'));
    expect([first.tokensIn, first.tokensOut, first.model, first.provider, first.status]).toEqual([31, 7, 'gpt-x', 'oa', 200]);
    const pretty = await nextRecord(() => ask('pretty'));
    expect([pretty.tokensIn, pretty.tokensOut]).toEqual([12, 40]);
    const long = await nextRecord(async () => expect((await ask('long')).choices[0]!.message.content).toHaveLength(20_000));
    expect([long.tokensIn, long.tokensOut]).toEqual([1234, 4321]);
    const none = await nextRecord(() => ask('none'));
    expect([none.tokensIn, none.tokensOut, none.status]).toEqual([null, null, 200]);
  });

  it('from an Anthropic answer: its own usage, not a tool input\'s, not the cache counts', async () => {
    const rec = await nextRecord(() => anthropic().messages.create({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }));
    expect([rec.tokensIn, rec.tokensOut, rec.client, rec.provider]).toEqual([21, 8, 'anthropic', 'an']);
  });

  it('from streams: frames apart or all in one chunk, passed through or translated', async () => {
    const o = await nextRecord(async () => {
      const s = await openai().chat.completions.create({ model: 'gpt-x', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      for await (const c of s) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('Hello');
    });
    expect([o.tokensIn, o.tokensOut, o.stream, o.outcome]).toEqual([9, 3, true, 'complete']);
    // one chunk holding message_start (input) and message_delta (output)
    const a = await nextRecord(async () => {
      const s = anthropic().messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      expect((await s.finalMessage()).usage.output_tokens).toBe(17);
    });
    expect([a.tokensIn, a.tokensOut]).toEqual([25, 17]);
    // an OpenAI client, the Anthropic upstream: counts read from the translated frames, as the client's protocol
    // states them (OpenAI's prompt_tokens include the cached ones: 25 + 100 + 200)
    const t = await nextRecord(async () => {
      const s = await openai().chat.completions.create({ model: 'claude-x', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
      for await (const c of s) void c;
    });
    expect([t.tokensIn, t.tokensOut, t.provider]).toEqual([325, 17, 'an']);
    // an Anthropic client, the OpenAI upstream
    const u = await nextRecord(async () => {
      const s = anthropic().messages.stream({ model: 'gpt-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      expect((await s.finalMessage()).usage).toMatchObject({ input_tokens: 9, output_tokens: 3 });
    });
    expect([u.tokensIn, u.tokensOut, u.provider]).toEqual([9, 3, 'oa']);
  });

  it('a client\'s request id is kept when it is printable ASCII without quotes or backslashes, else replaced by a generated one', async () => {
    const send = (id: string) => fetch(px.url + '/health', { headers: { 'x-request-id': id } });
    const kept = await nextRecord(async () => expect((await send('req-42 (retry #2)')).headers.get('x-request-id')).toBe('req-42 (retry #2)'));
    expect(kept.id).toBe('req-42 (retry #2)');
    for (const bad of ['say "hi"', 'back\\slash', 'x'.repeat(201)]) {
      const rec = await nextRecord(async () => {
        const res = await send(bad);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).not.toBe(bad);
      });
      expect(rec.id).not.toBe(bad);
      expect(rec.id).toMatch(/^[0-9a-f-]+-\d+$/);
    }
  });

  it('generated request ids stay distinct past the hundreds their counts are built from', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 250; i++) {
      const res = await fetch(px.url + '/health', { method: 'HEAD' });
      expect(res.status).toBe(200);
      ids.add(res.headers.get('x-request-id')!);
    }
    expect(ids.size).toBe(250);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-\d{3,}$/);
  });
});

describe('the access line', () => {
  it('is one JSON line whatever a client sent: quotes, backslashes and non-ASCII in the model, an odd request id', async () => {
    const lines: string[] = [];
    const ops = createOps({ accessLog: (line) => void lines.push(line), processMetrics: false });
    const proxy = createProxy({ providers: [{ name: 'oa', type: 'openai', baseURL: oa.url + '/v1', apiKey: 'k-oa-000000', models: ['gpt-x'] }], observer: ops.observer });
    ops.attach(proxy);
    const models = ['we"ird\\model', 'gpt-x', 'modèle', 'gpt-x'];
    for (const [i, model] of models.entries()) {
      const body = Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content: 'usage-first' }] }));
      const headers = { 'content-type': 'application/json', 'x-request-id': i === 1 ? 'line "1"' : `line-${i}` };
      await proxy.handle({ method: 'POST', path: '/v1/chat/completions', search: '', headers, readBody: async () => body, signal: new ClientSignal() });
    }
    expect(lines).toHaveLength(4);
    const parsed = lines.map((l) => {
      expect(l.endsWith('}\n') && !l.slice(0, -1).includes('\n')).toBe(true);
      return JSON.parse(l);
    });
    // a name that is not printable ASCII is refused at intake, before it is anything's model
    expect(parsed.map((p) => p.modelAsked)).toEqual([models[0], 'gpt-x', null, 'gpt-x']);
    // a name no provider lists is served as auto would be; modelServed says by what
    expect(parsed.map((p) => p.status)).toEqual([200, 200, 400, 200]);
    expect(parsed[0].modelServed).toBe('gpt-x');
    expect(parsed[3]).toMatchObject({ requestId: 'line-3', modelServed: 'gpt-x', provider: 'oa', attempts: 1, tokensIn: 31, tokensOut: 7, msg: 'request', level: 'info' });
    expect(parsed[1].requestId).not.toBe('line "1"');
    expect(Math.abs(parsed[3].time - Date.now())).toBeLessThan(5000);
  });
});
