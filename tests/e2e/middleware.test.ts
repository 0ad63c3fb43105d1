import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { createProxy, type Proxy } from '@ones-proxy/core';
import { createMiddleware } from '@ones-proxy/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

let oa: MockUpstream;
let an: MockUpstream;
let proxy: Proxy;
let server: Server;
let base: string;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-mw'], reply: () => ({ text: 'from openai via express' }) });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-mw'], reply: () => ({ text: 'from anthropic via express' }) });
  proxy = createProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
    ],
  });
  const app = express();
  app.get('/llm/own-route', (_req, res) => void res.json({ mine: true }));
  app.use('/llm', createMiddleware(proxy));
  // a host app that parses JSON before the proxy on another mount
  app.use('/parsed', express.json(), createMiddleware(proxy));
  app.use((_req, res) => void res.status(404).send('host app 404'));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await proxy.close();
  await oa.close();
  await an.close();
});

describe('middleware mounted in an Express 5 app', () => {
  it('serves the OpenAI SDK under the mount prefix, streamed and not', async () => {
    const client = new OpenAI({ baseURL: `${base}/llm/v1`, apiKey: 'x', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-mw', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).toBe('from openai via express');
    const final = await client.chat.completions.stream({ model: 'gpt-mw', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('from openai via express');
  });

  it('serves the Anthropic SDK under the mount prefix, streamed and not', async () => {
    const client = new Anthropic({ baseURL: `${base}/llm/api`, apiKey: 'x', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-mw', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toMatchObject({ text: 'from anthropic via express' });
    const streamed = await client.messages.stream({ model: 'claude-mw', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ text: 'from anthropic via express' });
  });

  it('uses a body a parser already read', async () => {
    const client = new OpenAI({ baseURL: `${base}/parsed/v1`, apiKey: 'x', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-mw', messages: [{ role: 'user', content: 'parsed first' }] });
    expect(res.choices[0]!.message.content).toBe('from openai via express');
    expect(oa.chats().at(-1)!.body.messages[0].content).toBe('parsed first');
  });

  it('leaves the host app its own routes and 404s', async () => {
    expect(await (await fetch(`${base}/llm/own-route`)).json()).toEqual({ mine: true });
    const r = await fetch(`${base}/llm/not-a-proxy-route`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('host app 404');
  });
});
