import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a mock upstream answers to one chat request. */
export interface MockReply {
  text?: string;
  reasoning?: string;
  toolCalls?: { id?: string; name: string; arguments: string }[];
  /** the answer stops at its output limit (finish_reason length, stop_reason max_tokens, status incomplete) */
  maxTokens?: boolean;
  /** Responses upstreams: custom_tool_call items */
  customCalls?: { name: string; input: string }[];
  /** answer this status with an error body in the mock's protocol */
  status?: number;
  errorMessage?: string;
  /** ms to wait before answering */
  delayMs?: number;
  /** raw body to send instead (hostile upstreams) */
  raw?: { status?: number; contentType?: string; body: string };
  /** stop the stream after this many frames without ending it properly */
  truncateAfter?: number;
  /** after this many frames, go silent with the connection left open */
  stallAfter?: number;
  /** send headers, then wait this long before the first frame */
  firstChunkDelayMs?: number;
  /** wait between frames (default 1 ms) */
  frameDelayMs?: number;
  /** a frame inserted first (e.g. a huge SSE line) */
  extraFrame?: string;
  usage?: { input: number; output: number; cacheRead?: number };
  model?: string;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export type MockProtocol = 'openai' | 'anthropic' | 'responses';

export interface MockUpstream {
  protocol: MockProtocol;
  /** base URL as a provider of this protocol is configured with */
  baseURL: string;
  port: number;
  requests: Recorded[];
  /** chat requests only */
  chats(): Recorded[];
  reply: (req: Recorded) => MockReply;
  /** responses whose client closed them before the end (abort tests) */
  closedEarly: number;
  /** when each of those closes happened (performance.now()) */
  closeTimes: number[];
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits text into a few pieces so streams carry several deltas. */
const pieces = (text: string) => text.match(/.{1,6}/gs) ?? [];

function openaiFrames(model: string, r: MockReply, includeUsage: boolean): string[] {
  const id = 'chatcmpl-mock';
  const base = { id, object: 'chat.completion.chunk', created: 1700000000, model };
  const chunk = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...(includeUsage ? { usage: null } : {}) });
  const out: object[] = [chunk({ role: 'assistant', content: '' })];
  if (r.reasoning) for (const p of pieces(r.reasoning)) out.push(chunk({ reasoning_content: p }));
  if (r.text) for (const p of pieces(r.text)) out.push(chunk({ content: p }));
  (r.toolCalls ?? []).forEach((t, i) => {
    out.push(chunk({ tool_calls: [{ index: i, id: t.id ?? `call_${i}`, type: 'function', function: { name: t.name, arguments: '' } }] }));
    for (const p of pieces(t.arguments)) out.push(chunk({ tool_calls: [{ index: i, function: { arguments: p } }] }));
  });
  out.push(chunk({}, r.maxTokens ? 'length' : r.toolCalls?.length ? 'tool_calls' : 'stop'));
  const u = r.usage ?? { input: 11, output: 7 };
  if (includeUsage) out.push({ ...base, choices: [], usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } });
  return [...out.map((o) => `data: ${JSON.stringify(o)}\n\n`), 'data: [DONE]\n\n'];
}

function openaiJson(model: string, r: MockReply) {
  const u = r.usage ?? { input: 11, output: 7 };
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.text ?? null,
          refusal: null,
          ...(r.reasoning ? { reasoning_content: r.reasoning } : {}),
          ...(r.toolCalls?.length ? { tool_calls: r.toolCalls.map((t, i) => ({ id: t.id ?? `call_${i}`, type: 'function', function: { name: t.name, arguments: t.arguments } })) } : {}),
        },
        finish_reason: r.maxTokens ? 'length' : r.toolCalls?.length ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output },
  };
}

function anthropicFrames(model: string, r: MockReply): string[] {
  const u = r.usage ?? { input: 11, output: 7 };
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [ev('message_start', { message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1, cache_read_input_tokens: u.cacheRead ?? 0 } } })];
  let index = 0;
  if (r.reasoning) {
    out.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const p of pieces(r.reasoning)) out.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } }));
    out.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig-mock' } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  if (r.text) {
    out.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const p of pieces(r.text)) out.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  for (const [i, t] of (r.toolCalls ?? []).entries()) {
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: t.id ?? `toolu_${i}`, name: t.name, input: {} } }));
    for (const p of pieces(t.arguments)) out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  out.push(ev('message_delta', { delta: { stop_reason: r.maxTokens ? 'max_tokens' : r.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }));
  out.push(ev('message_stop', {}));
  return out;
}

function anthropicJson(model: string, r: MockReply) {
  const u = r.usage ?? { input: 11, output: 7 };
  const content: object[] = [];
  if (r.reasoning) content.push({ type: 'thinking', thinking: r.reasoning, signature: 'sig-mock' });
  if (r.text) content.push({ type: 'text', text: r.text });
  for (const [i, t] of (r.toolCalls ?? []).entries()) content.push({ type: 'tool_use', id: t.id ?? `toolu_${i}`, name: t.name, input: JSON.parse(t.arguments || '{}') });
  return {
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: r.maxTokens ? 'max_tokens' : r.toolCalls?.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: u.input, output_tokens: u.output, cache_read_input_tokens: u.cacheRead ?? 0, cache_creation_input_tokens: 0 },
  };
}

/** The Responses API's events for a reply: reasoning (summary), text, function calls, the response. */
let responseCount = 0;

function responsesFrames(model: string, r: MockReply): string[] {
  let seq = 0;
  const id = `resp_mock${++responseCount}`;
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const base = { id, object: 'response', created_at: 1700000000, model, error: null, incomplete_details: null };
  const out = [ev('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } })];
  const items = responsesItems(r);
  items.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'message') {
      out.push(ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } }));
      out.push(ev('response.content_part.added', { item_id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
      for (const p of pieces(item.content[0].text)) out.push(ev('response.output_text.delta', { item_id, output_index, content_index: 0, delta: p }));
      out.push(ev('response.output_text.done', { item_id, output_index, content_index: 0, text: item.content[0].text }));
      out.push(ev('response.content_part.done', { item_id, output_index, content_index: 0, part: item.content[0] }));
    } else if (item.type === 'function_call') {
      out.push(ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } }));
      for (const p of pieces(item.arguments)) out.push(ev('response.function_call_arguments.delta', { item_id, output_index, delta: p }));
      out.push(ev('response.function_call_arguments.done', { item_id, output_index, arguments: item.arguments }));
    } else if (item.type === 'custom_tool_call') {
      out.push(ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', input: '' } }));
      for (const p of pieces(item.input)) out.push(ev('response.custom_tool_call_input.delta', { item_id, output_index, delta: p }));
      out.push(ev('response.custom_tool_call_input.done', { item_id, output_index, input: item.input }));
    } else {
      out.push(ev('response.output_item.added', { output_index, item: { ...item, summary: [] } }));
      out.push(ev('response.reasoning_summary_part.added', { item_id, output_index, summary_index: 0, part: { type: 'summary_text', text: '' } }));
      for (const p of pieces(item.summary[0].text)) out.push(ev('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta: p }));
      out.push(ev('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text: item.summary[0].text }));
    }
    out.push(ev('response.output_item.done', { output_index, item }));
  });
  out.push(ev(r.maxTokens ? 'response.incomplete' : 'response.completed', { response: responsesJson(model, r, id) }));
  return out;
}

function responsesItems(r: MockReply): any[] {
  const items: any[] = [];
  if (r.reasoning) items.push({ id: 'rs_mock', type: 'reasoning', summary: [{ type: 'summary_text', text: r.reasoning }] });
  if (r.text) items.push({ id: 'msg_mock', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: r.text, annotations: [] }] });
  (r.toolCalls ?? []).forEach((t, i) => items.push({ id: `fc_mock${i}`, type: 'function_call', status: 'completed', call_id: t.id ?? `call_${i}`, name: t.name, arguments: t.arguments }));
  (r.customCalls ?? []).forEach((t, i) => items.push({ id: `ctc_mock${i}`, type: 'custom_tool_call', status: 'completed', call_id: `call_c${i}`, name: t.name, input: t.input }));
  return items;
}

function responsesJson(model: string, r: MockReply, id = `resp_mock${++responseCount}`) {
  const u = r.usage ?? { input: 11, output: 7 };
  return {
    id,
    object: 'response',
    created_at: 1700000000,
    status: r.maxTokens ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: r.maxTokens ? { reason: 'max_output_tokens' } : null,
    model,
    output: responsesItems(r),
    usage: { input_tokens: u.input, input_tokens_details: { cached_tokens: u.cacheRead ?? 0 }, output_tokens: u.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: u.input + u.output },
  };
}

function errorJson(protocol: MockProtocol, status: number, message: string) {
  return protocol !== 'anthropic'
    ? { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null } }
    : { type: 'error', error: { type: status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error', message } };
}

/**
 * A real HTTP server speaking one provider protocol: models list, chat
 * (stream and not), count_tokens. `reply` decides each chat answer.
 */
export async function startMockUpstream(opts: {
  protocol: MockProtocol;
  models: string[];
  reply?: (req: Recorded) => MockReply;
  /** the models endpoint fails with this status */
  modelsStatus?: number;
}): Promise<MockUpstream> {
  const { protocol } = opts;
  const chatPath = protocol === 'openai' ? '/v1/chat/completions' : protocol === 'responses' ? '/v1/responses' : '/v1/messages';
  const mock: MockUpstream = {
    protocol,
    baseURL: '',
    port: 0,
    requests: [],
    chats: () => mock.requests.filter((r) => r.path === chatPath),
    reply: opts.reply ?? (() => ({ text: 'Hello from the mock.' })),
    closedEarly: 0,
    closeTimes: [],
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
    const rec: Recorded = { method: req.method ?? 'GET', path, headers: req.headers, body };
    mock.requests.push(rec);
    res.on('close', () => {
      if (res.writableFinished) return;
      mock.closedEarly++;
      mock.closeTimes.push(performance.now());
    });

    if (req.method === 'GET' && path === '/v1/models') {
      if (opts.modelsStatus) {
        res.writeHead(opts.modelsStatus, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(errorJson(protocol, opts.modelsStatus, 'models unavailable')));
      }
      const data = opts.models.map((id) => (protocol !== 'anthropic' ? { id, object: 'model', created: 0, owned_by: 'mock' } : { id, type: 'model', display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(protocol !== 'anthropic' ? { object: 'list', data } : { data, has_more: false }));
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens' && protocol === 'anthropic') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ input_tokens: 42 }));
    }
    if (req.method !== 'POST' || path !== chatPath) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(errorJson(protocol, 404, `no route ${path}`)));
    }

    const r = mock.reply(rec);
    if (r.delayMs) await sleep(r.delayMs);
    if (res.destroyed) return;
    if (r.raw) {
      res.writeHead(r.raw.status ?? 200, { 'content-type': r.raw.contentType ?? 'application/json' });
      return res.end(r.raw.body);
    }
    if (r.status && r.status >= 400) {
      res.writeHead(r.status, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(errorJson(protocol, r.status, r.errorMessage ?? `mock failure ${r.status}`)));
    }
    const model = r.model ?? body?.model ?? 'mock';
    if (body?.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      if (r.firstChunkDelayMs) await sleep(r.firstChunkDelayMs);
      const frames = protocol === 'openai' ? openaiFrames(model, r, body.stream_options?.include_usage === true) : protocol === 'responses' ? responsesFrames(model, r) : anthropicFrames(model, r);
      if (r.extraFrame) frames.unshift(r.extraFrame);
      const n = r.truncateAfter ?? r.stallAfter ?? frames.length;
      for (const f of frames.slice(0, n)) {
        if (res.destroyed) return;
        res.write(f);
        await sleep(r.frameDelayMs ?? 1);
      }
      if (r.stallAfter !== undefined) return; // silent, connection open, until the client gives up
      return n < frames.length ? res.destroy() : res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(protocol === 'openai' ? openaiJson(model, r) : protocol === 'responses' ? responsesJson(model, r) : anthropicJson(model, r)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mock.port = (server.address() as AddressInfo).port;
  mock.baseURL = protocol !== 'anthropic' ? `http://127.0.0.1:${mock.port}/v1` : `http://127.0.0.1:${mock.port}`;
  return mock;
}
