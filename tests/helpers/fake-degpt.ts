import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake saw. */
export interface DegptRecorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** the status the fake answered */
  status?: number;
}

export interface DegptReply {
  text?: string;
  reasoning?: string;
  /** answer this status instead (with a JSON error body) */
  status?: number;
  /** stop the stream after this many frames, without [DONE] */
  truncateAfter?: number;
  /** send this in-stream error after the first frame */
  streamError?: string;
}

export interface FakeDegpt {
  /** what DEGPT_BASE_URL would be: http://127.0.0.1:port/api */
  baseURL: string;
  requests: DegptRecorded[];
  signIns(): DegptRecorded[];
  chats(): DegptRecorded[];
  /** tokens issued so far; only the ones not expired are accepted */
  issued: string[];
  /** makes every token issued so far invalid: the next chat answers 401 */
  expireTokens(): void;
  reply: (req: DegptRecorded) => DegptReply;
  /** what GET /config answers */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

export const FAKE_AUTH_ID = 'test-auth-id';
export const DEFAULT_CONFIG = {
  default_models: 'gpt-4o-mini,deepseek-r1,qwen-vl-max',
  version: '1.0.0',
  provider: 'DecentralGPT',
  models: [
    { model: 'deepseek-r1', name: 'DeepSeek R1', desc: 'reasoning', support: 'text', tip: '' },
    { textmodel: 'gpt-4o-mini', name: 'GPT-4o mini', desc: 'fast', support: 'text', tip: '' },
    { model: 'qwen-vl-max', name: 'Qwen VL', desc: 'vision', support: 'image', tip: '' },
  ],
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pieces = (text: string) => text.match(/.{1,5}/gs) ?? [];

/** DeGPT's answer: OpenAI chunks (thinking first), no usage, `data: [DONE]`. */
function frames(model: string, r: DegptReply): string[] {
  const base = { id: 'chatcmpl-degpt', object: 'chat.completion.chunk', created: 1700000000, model };
  const chunk = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const out: object[] = [chunk({ role: 'assistant', content: '' })];
  for (const p of pieces(r.reasoning ?? '')) out.push(chunk({ reasoning_content: p }));
  for (const p of pieces(r.text ?? '')) out.push(chunk({ content: p }));
  out.push(chunk({}, 'stop'));
  if (r.streamError) out.splice(1, 0, { error: { message: r.streamError, type: 'server_error' } });
  const all = [...out.map((o) => `data: ${JSON.stringify(o)}\n\n`), 'data: [DONE]\n\n'];
  return all.slice(0, r.truncateAfter ?? all.length);
}

/** A local stand-in for the three DeGPT calls of DEGPT.md, under /api. */
export async function startFakeDegpt(opts: { reply?: (req: DegptRecorded) => DegptReply } = {}): Promise<FakeDegpt> {
  const valid = new Set<string>();
  const fake: FakeDegpt = {
    baseURL: '',
    requests: [],
    signIns: () => fake.requests.filter((r) => r.path === '/api/v1/auths/printSignIn'),
    chats: () => fake.requests.filter((r) => r.path === '/api/v1/chat/completion/proxy'),
    issued: [],
    expireTokens: () => valid.clear(),
    reply: opts.reply ?? (() => ({ reasoning: 'Thinking it over.', text: 'Hello from DeGPT.' })),
    config: structuredClone(DEFAULT_CONFIG),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };

  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const rec: DegptRecorded = { method: req.method ?? 'GET', path, headers: req.headers, body };
    fake.requests.push(rec);
    const send = (status: number, json: unknown) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };

    if (req.method === 'GET' && path === '/api/config') return send(200, fake.config);

    if (req.method === 'POST' && path === '/api/v1/auths/printSignIn') {
      if (body?.id !== FAKE_AUTH_ID || body?.channel !== '') return send(400, { message: 'bad sign-in body' });
      const token = `tok-${fake.issued.length + 1}`;
      fake.issued.push(token);
      valid.add(token);
      return send(200, { token, user: { id: body.id } });
    }

    if (req.method === 'POST' && path === '/api/v1/chat/completion/proxy') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !valid.has(token)) return send(401, { message: 'token expired' });
      const r = fake.reply(rec);
      if (r.status) return send(r.status, { message: `fake failure ${r.status}` });
      rec.status = 200;
      // DeGPT streams whatever the request says
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      for (const f of frames(body?.model ?? 'unknown', r)) {
        if (res.destroyed) return;
        res.write(f);
        await sleep(1);
      }
      return res.end();
    }

    send(404, { message: `no route ${req.method} ${path}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return fake;
}
