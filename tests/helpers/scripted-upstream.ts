import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the upstream saw it. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ScriptedUpstream {
  url: string;
  seen: Seen[];
  /** bytes the handlers wrote before their client went away */
  written: number;
  close(): Promise<void>;
}

export type Script = (req: Seen, res: ServerResponse, count: (n: number) => void) => void | Promise<void>;

/**
 * A loopback upstream whose every answer the test writes by hand (hostile or
 * odd ones included); it records what it was sent. `count` adds to `written`.
 */
export async function startScriptedUpstream(script: Script): Promise<ScriptedUpstream> {
  const up: ScriptedUpstream = {
    url: '',
    seen: [],
    written: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, headers: req.headers, body };
      up.seen.push(seen);
      void script(seen, res, (n) => (up.written += n));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return up;
}

/** Writes `total` bytes of `fill` after `head` as fast as the socket takes them; stops when the reader goes away. */
export async function writeHuge(res: ServerResponse, head: string, total: number, count: (n: number) => void): Promise<void> {
  const block = Buffer.alloc(1 << 20, 'a');
  res.write(head);
  for (let sent = 0; sent < total && !res.destroyed; sent += block.length) {
    count(block.length);
    if (!res.write(block)) await drainOrClose(res);
  }
  if (!res.destroyed) res.end('"}');
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An OpenAI chat completion answer with one text. */
export const openaiAnswer = (model: string, text: string) =>
  JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

/** An Anthropic message answer with one text. */
export const anthropicAnswer = (model: string, text: string) =>
  JSON.stringify({ id: 'msg_x', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } });
