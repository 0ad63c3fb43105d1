import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer, ChatHooks, ChatRequest, StreamEnd } from '@ones-proxy/core';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { sleep, startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';

let oa: MockUpstream;
let an: MockUpstream;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-x', 'shared'], reply: (r) => ({ text: r.body?.messages?.some((m: { content?: unknown }) => m.content === 'boom') ? undefined : 'Hello from OpenAI.', ...(JSON.stringify(r.body).includes('"boom"') ? { truncateAfter: 2 } : {}) }) });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-x', 'shared'], reply: () => ({ text: 'Hello from Anthropic.' }) });
});
afterAll(async () => {
  await oa.close();
  await an.close();
});

const providers = () => [
  { name: 'oa', type: 'openai' as const, baseURL: oa.baseURL, apiKey: 'k-oa-000000' },
  { name: 'an', type: 'anthropic' as const, baseURL: an.baseURL, apiKey: 'k-an-000000' },
];

describe('GET /v1/models/{id}', () => {
  let px: RunningProxy;
  beforeAll(async () => {
    px = await startProxy({ providers: providers() });
  });
  afterAll(() => px.close());

  it('the OpenAI SDK retrieves a model, auto, and a provider/model id; an unknown one is its NotFoundError', async () => {
    const client = new OpenAI({ baseURL: px.url + '/v1', apiKey: 'x', maxRetries: 0 });
    expect(await client.models.retrieve('gpt-x')).toMatchObject({ id: 'gpt-x', object: 'model', owned_by: 'oa' });
    expect(await client.models.retrieve('auto')).toMatchObject({ id: 'auto', owned_by: 'ones-proxy' });
    expect(await client.models.retrieve('an/shared')).toMatchObject({ id: 'an/shared', owned_by: 'an' });
    const err = await client.models.retrieve('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as { code?: string }).code).toBe('model_not_found');
  });

  it('the Anthropic SDK retrieves a model in its shape; an unknown one is its NotFoundError', async () => {
    const client = new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
    expect(await client.models.retrieve('claude-x')).toMatchObject({ type: 'model', id: 'claude-x', display_name: 'claude-x' });
    const err = await client.models.retrieve('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('the home page lists every route, both prefixes', async () => {
    const html = await (await fetch(px.url + '/')).text();
    for (const path of ['/v1/chat/completions', '/api/v1/chat/completions', '/v1/messages', '/api/v1/messages', '/api/v1/messages/count_tokens', '/api/v1/models', '/v1/models/{id}', '/api/v1/stats', '/health']) {
      expect(html).toContain(`${path}</code>`);
    }
  });

  it('also under /api/v1, and with a raw slash in the id', async () => {
    const r = await fetch(px.url + '/api/v1/models/oa/shared');
    expect(await r.json()).toMatchObject({ id: 'oa/shared', owned_by: 'oa' });
  });
});

describe('hooks', () => {
  const seen: { event: string; at: number; detail: unknown }[] = [];
  let px: RunningProxy;
  const hooks: ChatHooks = {
    assembleStreams: true,
    beforeAttempt(req: ChatRequest) {
      seen.push({ event: 'before', at: performance.now(), detail: req.model });
      if (req.body.messages && JSON.stringify(req.body).includes('#remember')) {
        // what sessions will do: history goes in front of the request's own messages
        const history = req.client.name === 'openai' ? [{ role: 'user', content: 'earlier turn' }, { role: 'assistant', content: 'earlier answer' }] : [{ role: 'user', content: 'earlier turn' }, { role: 'assistant', content: 'earlier answer' }];
        req.rewrite({ ...req.body, messages: [...history, ...(req.body.messages as unknown[])] });
        req.headers = { 'x-test-hook': 'rewrote' };
      }
    },
    afterAnswer(req: ChatRequest, answer: Answer) {
      seen.push({ event: 'answer', at: performance.now(), detail: { client: req.client.name, model: answer.candidate.model.id, json: answer.json() } });
    },
    async onStreamEnd(req: ChatRequest, end: StreamEnd) {
      // a slow store write: the client's last bytes must wait for it
      if (end.kind === 'complete') await sleep(150);
      seen.push({ event: `stream-${end.kind}`, at: performance.now(), detail: { client: req.client.name, answer: end.kind === 'complete' ? end.answer : null } });
    },
  };
  beforeAll(async () => {
    px = await startProxy({ providers: providers(), hooks: [hooks] });
  });
  afterAll(() => px.close());

  it('beforeAttempt may rewrite the request: the upstream sees the new messages, the answer carries the hook\'s header', async () => {
    for (const [path, model, mock] of [['/v1/chat/completions', 'claude-x', an], ['/v1/messages', 'claude-x', an], ['/v1/chat/completions', 'gpt-x', oa]] as const) {
      const r = await fetch(px.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'now #remember' }] }) });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-test-hook')).toBe('rewrote');
      const sent = mock.chats().at(-1)!.body.messages as { content: unknown }[];
      expect(JSON.stringify(sent[0])).toContain('earlier turn');
      expect(JSON.stringify(sent.at(-1))).toContain('now #remember');
    }
  });

  it('afterAnswer sees the whole answer in the client protocol, translated or passed through', async () => {
    seen.length = 0;
    const openai = new OpenAI({ baseURL: px.url + '/v1', apiKey: 'x', maxRetries: 0 });
    await openai.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] });
    await openai.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    const answers = seen.filter((s) => s.event === 'answer').map((s) => s.detail as { model: string; json: { choices: { message: { content: string } }[] } });
    expect(answers.map((a) => [a.model, a.json.choices[0]!.message.content])).toEqual([
      ['claude-x', 'Hello from Anthropic.'],
      ['gpt-x', 'Hello from OpenAI.'],
    ]);
  });

  it('onStreamEnd gets the assembled answer, and the stream\'s last bytes leave only after it finished', async () => {
    const anthropic = new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
    const openai = new OpenAI({ baseURL: px.url + '/v1', apiKey: 'x', maxRetries: 0 });
    for (const run of [
      async () => (await anthropic.messages.stream({ model: 'gpt-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()).content,
      async () => (await anthropic.messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()).content,
      async () => {
        let text = '';
        for await (const c of await openai.chat.completions.create({ model: 'claude-x', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += c.choices[0]?.delta.content ?? '';
        return text;
      },
    ]) {
      seen.length = 0;
      const out = await run();
      const done = performance.now();
      const end = seen.find((s) => s.event === 'stream-complete')!;
      expect(end).toBeDefined();
      expect(end.at).toBeLessThanOrEqual(done);
      expect(JSON.stringify(end.detail)).toMatch(/Hello from (OpenAI|Anthropic)\./);
      expect(JSON.stringify(out)).toMatch(/Hello from/);
    }
  });

  it('a stream cut by the upstream ends as failed; no answer is assembled', async () => {
    seen.length = 0;
    const r = await fetch(px.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-x', stream: true, messages: [{ role: 'user', content: 'boom' }] }) });
    await r.text();
    await sleep(50);
    expect(seen.map((s) => s.event)).toEqual(['before', 'stream-failed']);
  });
});

describe('a model that refuses reasoning_effort', () => {
  let up: ScriptedUpstream;
  let px: RunningProxy;
  beforeAll(async () => {
    up = await startScriptedUpstream((req, res) => {
      if (req.path.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"o3-mini"}]}');
      const body = JSON.parse(req.body);
      if ('reasoning_effort' in body) {
        return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"Unrecognized request argument supplied: reasoning_effort","type":"invalid_request_error","param":null,"code":null}}');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'thought about it' }, finish_reason: 'stop' }] }));
    });
    px = await startProxy({ providers: [{ name: 'oa', type: 'openai', baseURL: up.url + '/v1', apiKey: 'k-000000' }] });
  });
  afterAll(async () => {
    await px.close();
    await up.close();
  });

  it('is asked once more without it, and not sent it again', async () => {
    const client = new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
    const ask = () => client.messages.create({ model: 'o3-mini', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think' }] });
    expect((await ask()).content[0]).toMatchObject({ type: 'text', text: 'thought about it' });
    const chats = () => up.seen.filter((r) => r.path.endsWith('/chat/completions')).map((r) => 'reasoning_effort' in JSON.parse(r.body));
    expect(chats()).toEqual([true, false]);
    await ask();
    expect(chats()).toEqual([true, false, false]);
    const stats = (await (await fetch(px.url + '/api/v1/stats')).json()) as { data: { failures: number }[] };
    expect(stats.data[0]!.failures).toBe(0);
  });
});
