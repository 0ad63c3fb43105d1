import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_AUTH_ID, startFakeDegpt, type FakeDegpt } from '../helpers/fake-degpt.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const BROWSER_HEADERS = {
  host: 'www.degpt.ai',
  origin: 'https://www.degpt.ai',
  referer: 'https://www.degpt.ai/',
  'accept-language': 'en-US,en;q=0.9',
  'sec-ch-ua': '"Chromium";v="142", "Not_A Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
};

const degpt = (baseURL: string, extra: Record<string, unknown> = {}) => ({
  type: 'degpt' as const,
  name: 'degpt',
  baseURL,
  baseModel: 'gpt-4o-mini',
  authId: FAKE_AUTH_ID,
  authCookie: 'session=cookie-value',
  userAgent: 'TestBrowser/1.0',
  headers: BROWSER_HEADERS,
  ...extra,
});

const client = (px: RunningProxy) => new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
const hi = [{ role: 'user' as const, content: 'hi' }];

let fake: FakeDegpt;
let px: RunningProxy;

beforeAll(async () => {
  fake = await startFakeDegpt();
  // these tests fail upstreams on purpose; no cooldown, so each test starts from a healthy model
  px = await startProxy({ router: { cooldownSeconds: 0 }, providers: [degpt(fake.baseURL)] });
});
afterAll(async () => {
  await px.close();
  await fake.close();
});
afterEach(() => {
  fake.reply = () => ({ reasoning: 'Thinking it over.', text: 'Hello from DeGPT.' });
});

describe('DeGPT provider, OpenAI SDK client', () => {
  it('answers non-streamed: one chat.completion built from the stream, thinking kept, usage estimated', async () => {
    const res = await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toBe('Hello from DeGPT.');
    expect((res.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe('Thinking it over.');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.model).toBe('gpt-4o-mini');
    // ~4 characters a token over text and thinking (34 characters)
    expect(res.usage).toMatchObject({ completion_tokens: 9 });
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + 9);
  });

  it('streams DeGPT chunks, thinking included, with no usage chunk unless asked', async () => {
    const stream = await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi, stream: true });
    let text = '';
    let reasoning = '';
    let usageChunks = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      reasoning += (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      if (c.usage) usageChunks++;
    }
    expect(text).toBe('Hello from DeGPT.');
    expect(reasoning).toBe('Thinking it over.');
    expect(usageChunks).toBe(0);
  });

  it('adds a usage chunk before [DONE] when the client asks include_usage', async () => {
    const stream = client(px).chat.completions.stream({ model: 'gpt-4o-mini', messages: hi, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 9 });
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Hello from DeGPT.');
    expect(final.usage?.total_tokens).toBe(last.usage!.total_tokens);
  });

  it('sends the documented body: stream always on, project, thinking, string contents, empty messages dropped', async () => {
    await client(px).chat.completions.create({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.' }] },
        { role: 'user', content: '' },
        { role: 'assistant', content: 'An earlier answer.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'user', content: [{ type: 'text', text: 'Part one.' }, { type: 'text', text: 'Part two.' }] },
      ],
    });
    expect(fake.chats().at(-1)!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.\nBe kind.' },
        { role: 'assistant', content: 'An earlier answer.' },
        { role: 'user', content: 'Part one.\nPart two.' },
      ],
      stream: true,
      project: 'DecentralGPT',
      enable_thinking: true,
    });
  });

  it('signs in as documented and sends the token, cookie and browser headers, never the client key', async () => {
    await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    const signIn = fake.signIns()[0]!;
    expect(signIn.method).toBe('POST');
    expect(signIn.body).toEqual({ id: FAKE_AUTH_ID, channel: '' });
    expect(signIn.headers['user-agent']).toBe('TestBrowser/1.0');

    const h = fake.chats().at(-1)!.headers;
    expect(h.authorization).toMatch(/^Bearer tok-\d+$/);
    expect(fake.issued).toContain(h.authorization!.slice('Bearer '.length));
    expect(h.cookie).toBe('session=cookie-value');
    expect(h.accept).toBe('*/*');
    expect(h['user-agent']).toBe('TestBrowser/1.0');
    expect(h['content-type']).toBe('application/json');
    for (const k of ['origin', 'referer', 'accept-language', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform'] as const) {
      expect(h[k]).toBe(BROWSER_HEADERS[k]);
    }
    // Host follows the base URL (undici sets it from the origin), not the configured browser value
    expect(h.host).toBe(new URL(fake.baseURL).host);
    expect(JSON.stringify(fake.requests.map((r) => r.headers))).not.toContain('client-key');
  });

  it('discovers models from /config, marks the image model, and keeps the base model', async () => {
    const ids = (await client(px).models.list()).data.map((m) => m.id);
    expect(ids).toEqual(['auto', 'deepseek-r1', 'gpt-4o-mini', 'qwen-vl-max']);
    const listed = await px.proxy.providers[0]!.listModels();
    expect(listed).toEqual([
      { id: 'deepseek-r1', images: false },
      { id: 'gpt-4o-mini', images: false },
      { id: 'qwen-vl-max', images: true },
    ]);
    const configCall = fake.requests.find((r) => r.path === '/api/config')!;
    expect(configCall.method).toBe('GET');
    expect(configCall.headers['user-agent']).toBe('TestBrowser/1.0');
  });

  it('sends a request with an image part only to the image model, parts kept', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const before = fake.chats().length;
    const res = await client(px).chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Describe images.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('Hello from DeGPT.');
    const seen = fake.chats().slice(before);
    expect(seen.map((r) => r.body.model)).toEqual(['qwen-vl-max']);
    expect(seen[0]!.body.messages).toEqual([
      { role: 'system', content: 'Describe images.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] },
    ]);
  });

  it('passes a DeGPT failure status on to the router, which reports it once every attempt failed', async () => {
    fake.reply = () => ({ status: 429 });
    const err = await client(px)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hi })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('DeGPT stream failures', () => {
  it('fails over when a non-streamed answer is cut short before [DONE]', async () => {
    let n = 0;
    fake.reply = () => (n++ === 0 ? { text: 'Hello from DeGPT.', truncateAfter: 3 } : { text: 'Second try.' });
    const before = fake.chats().length;
    const res = await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(res.choices[0]!.message.content).toBe('Second try.');
    // the cut-short model is tried first, then one other model (which one is the router's choice)
    const tried = fake.chats().slice(before).map((r) => r.body.model);
    expect(tried).toHaveLength(2);
    expect(tried[0]).toBe('gpt-4o-mini');
    expect(tried[1]).not.toBe('gpt-4o-mini');
  });

  it('fails over when DeGPT reports an error inside the stream of a non-streamed answer', async () => {
    let n = 0;
    fake.reply = () => (n++ === 0 ? { text: 'x', streamError: 'model overloaded' } : { text: 'Second try.' });
    const res = await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(res.choices[0]!.message.content).toBe('Second try.');
  });

  it('ends a stream cut short with an in-stream error, not a usage chunk and [DONE]', async () => {
    fake.reply = () => ({ text: 'Hello from DeGPT, cut short.', truncateAfter: 4 });
    const stream = await client(px).chat.completions.create({ model: 'gpt-4o-mini', messages: hi, stream: true, stream_options: { include_usage: true } });
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(seen.some((c) => (c as { usage?: unknown }).usage)).toBe(false);
  });
});

describe('DeGPT provider, Anthropic SDK client (translated)', () => {
  const anthropic = () => new Anthropic({ baseURL: px.url, apiKey: 'client-key', maxRetries: 0 });

  it('answers non-streamed with estimated usage', async () => {
    const msg = await anthropic().messages.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello from DeGPT.' });
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    expect(fake.chats().at(-1)!.body).toMatchObject({ stream: true, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streams with usage from the inserted usage chunk', async () => {
    const msg = await anthropic().messages.stream({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(msg.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello from DeGPT.' });
    expect(msg.usage.output_tokens).toBe(9);
  });
});

describe('DeGPT sign-in', () => {
  let f: FakeDegpt;
  let p: RunningProxy;
  beforeAll(async () => {
    f = await startFakeDegpt();
    p = await startProxy({ providers: [degpt(f.baseURL, { authCookie: undefined })] });
  });
  afterAll(async () => {
    await p.close();
    await f.close();
  });

  it('signs in once for many concurrent requests', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => client(p).chat.completions.create({ model: 'gpt-4o-mini', messages: hi })));
    expect(answers.every((a) => a.choices[0]!.message.content === 'Hello from DeGPT.')).toBe(true);
    await client(p).chat.completions.create({ model: 'gpt-4o-mini', messages: hi, stream: true });
    expect(f.signIns()).toHaveLength(1);
    expect(f.chats()).toHaveLength(7);
    expect(f.chats().every((r) => r.headers.authorization === 'Bearer tok-1' && r.headers.cookie === undefined)).toBe(true);
  });

  it('signs in again and retries once when DeGPT answers 401', async () => {
    f.expireTokens();
    const before = f.chats().length;
    const res = await client(p).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(res.choices[0]!.message.content).toBe('Hello from DeGPT.');
    expect(f.signIns()).toHaveLength(2);
    const seen = f.chats().slice(before);
    expect(seen.map((r) => [r.status, r.headers.authorization])).toEqual([
      [401, 'Bearer tok-1'],
      [200, 'Bearer tok-2'],
    ]);
    // and the new token is cached again
    await client(p).chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(f.signIns()).toHaveLength(2);
  });
});

describe('DeGPT model lists', () => {
  let f: FakeDegpt;
  afterEach(async () => {
    await f?.close();
  });

  it('uses default_models alone when there is no richer list, and always adds the base model', async () => {
    f = await startFakeDegpt();
    f.config = { default_models: 'model-a, model-b', version: '1', provider: 'x' };
    const p = await startProxy({ providers: [degpt(f.baseURL)] });
    try {
      expect(await p.proxy.providers[0]!.listModels()).toEqual([{ id: 'model-a' }, { id: 'model-b' }, { id: 'gpt-4o-mini' }]);
    } finally {
      await p.close();
    }
  });

  it('uses configured models without asking /config', async () => {
    f = await startFakeDegpt();
    const p = await startProxy({ providers: [degpt(f.baseURL, { models: ['fixed-model', { id: 'vision', images: true }] })] });
    try {
      expect(await p.proxy.providers[0]!.listModels()).toEqual([{ id: 'fixed-model' }, { id: 'vision', images: true }, { id: 'gpt-4o-mini' }]);
      expect(f.requests.filter((r) => r.path === '/api/config')).toHaveLength(0);
    } finally {
      await p.close();
    }
  });
});
