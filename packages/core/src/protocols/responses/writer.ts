/**
 * What the proxy writes to a Responses client: the response object's
 * envelope, its output items, and its stream events. Translating bridges
 * build answers and streams from these; the spec's error frames too.
 */
import { itemId, nowSeconds, responseId } from '../../translate/ids.js';
import type { ResponsesRequest, ResponsesUsage } from './types.js';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: [];
  logprobs: [];
}

export type OutputItem =
  | { id: string; type: 'message'; status: string; role: 'assistant'; content: (OutputText | { type: 'refusal'; refusal: string })[] }
  | { id: string; type: 'reasoning'; summary: { type: 'summary_text'; text: string }[]; encrypted_content?: string }
  | { id: string; type: 'function_call'; status: string; call_id: string; name: string; arguments: string }
  | { id: string; type: 'custom_tool_call'; status: string; call_id: string; name: string; input: string };

export const outputText = (text: string): OutputText => ({ type: 'output_text', text, annotations: [], logprobs: [] });

/** = JSON.stringify(messageItem(text, id)) for `json` = JSON.stringify(text), without a parse of the text */
export const messageItemJson = (id: string, json: string): string =>
  `{"id":${JSON.stringify(id)},"type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":${json},"annotations":[],"logprobs":[]}]}`;

export const messageItem = (text: string, id = itemId('msg'), status = 'completed'): OutputItem => ({
  id,
  type: 'message',
  status,
  role: 'assistant',
  content: [outputText(text)],
});

export const refusalItem = (refusal: string, id = itemId('msg')): OutputItem => ({ id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal }] });

/** a reasoning item: its text as the summary, the signature as encrypted_content when the client asked for it */
export function reasoningItem(text: string, signature: string | null, id = itemId('rs')): OutputItem {
  const item: OutputItem = { id, type: 'reasoning', summary: text ? [{ type: 'summary_text', text }] : [] };
  if (signature) item.encrypted_content = signature;
  return item;
}

export const functionCallItem = (callId: string, name: string, args: string, id = itemId('fc'), status = 'completed'): OutputItem => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

export const customToolCallItem = (callId: string, name: string, input: string, id = itemId('ctc'), status = 'completed'): OutputItem => ({
  id,
  type: 'custom_tool_call',
  status,
  call_id: callId,
  name,
  input,
});

/** Why an answer stopped short, as `incomplete_details.reason`. */
export type IncompleteReason = 'max_output_tokens' | 'content_filter';

/** The error of a failed response, and of an `error` event: OpenAI's codes, by status. */
export function errorCode(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 400 || status === 413) return 'invalid_request_error';
  if (status === 401 || status === 403) return 'invalid_api_key';
  if (status === 404) return 'not_found';
  return 'server_error';
}

/**
 * The response object around the output: what the client asked echoed back
 * (serialised once per answer), the status, output and usage. Fields in the
 * order the Responses API writes them.
 */
export class ResponseEnvelope {
  readonly id: string;
  readonly createdAt = nowSeconds();
  private readonly head: string;
  private readonly echo: string;

  constructor(body: ResponsesRequest, model: string, id = responseId()) {
    this.id = id;
    this.head = `{"id":${JSON.stringify(id)},"object":"response","created_at":${this.createdAt},"status":`;
    // what the client asked, as JSON; the defaults of fields it left out are constants (a per-answer stringify of the whole was measurable)
    const r = body.reasoning;
    const t = body.text;
    this.echo =
      `,"instructions":${or(body.instructions, 'null')},"max_output_tokens":${or(body.max_output_tokens, 'null')},"metadata":${or(body.metadata, '{}')}` +
      `,"model":${JSON.stringify(model)},"parallel_tool_calls":${or(body.parallel_tool_calls, 'true')},"previous_response_id":${or(body.previous_response_id, 'null')}` +
      `,"reasoning":${r ? `{"effort":${or(r.effort, 'null')},"summary":${or(r.summary, 'null')}}` : '{"effort":null,"summary":null}'},"service_tier":"default"` +
      `,"store":${or(body.store, 'true')},"temperature":${or(body.temperature, '1')}` +
      `,"text":${t ? `{"format":${or(t.format, '{"type":"text"}')},"verbosity":${or(t.verbosity, '"medium"')}}` : '{"format":{"type":"text"},"verbosity":"medium"}'}` +
      `,"tool_choice":${or(body.tool_choice, '"auto"')},"tools":${or(body.tools, '[]')},"top_p":${or(body.top_p, '1')},"truncation":"disabled","user":${or(body.user, 'null')}`;
  }

  /** the response object as JSON; `output` is the output array's JSON */
  json(status: ResponseStatus, output: string, usage: ResponsesUsage | null, incomplete: IncompleteReason | null = null, error: { code: string; message: string } | null = null): string {
    return (
      this.head +
      `"${status}","background":false,"error":${JSON.stringify(error)},"incomplete_details":${incomplete ? `{"reason":"${incomplete}"}` : 'null'}` +
      this.echo +
      ',"output":' +
      output +
      ',"usage":' +
      JSON.stringify(usage) +
      '}'
    );
  }
}

/** A field's JSON, or the default's (already JSON) when the client left it out. */
const or = (value: unknown, fallback: string): string => (value == null ? fallback : JSON.stringify(value));

/** One `event:`/`data:` frame; the data's `type` and `sequence_number` first, as the Responses API writes them. */
const frame = (type: string, seq: number, rest: string) => `event: ${type}\ndata: {"type":"${type}","sequence_number":${seq}${rest}}\n\n`;

/** What an event of one item carries after its sequence number: `,"item_id":…,"output_index":n` */
const itemRef = (id: string, index: number) => `,"item_id":${JSON.stringify(id)},"output_index":${index}`;

/**
 * The events of one Responses stream, numbered: `sequence_number` goes up by
 * one per event, `output_index` by one per item. Items are written one at a
 * time (added … done); the writer keeps what the final response needs.
 */
export class ResponsesEvents {
  private seq = 0;
  /** each item's JSON as last written (in progress, then done): the final response's output */
  private readonly items: string[] = [];

  constructor(readonly envelope: ResponseEnvelope) {}

  private next(type: string, rest: string): string {
    return frame(type, this.seq++, rest);
  }

  start(): string {
    const response = this.envelope.json('in_progress', '[]', null);
    return this.next('response.created', `,"response":${response}`) + this.next('response.in_progress', `,"response":${response}`);
  }

  /** `output_item.added` of an item (in progress); returns its output_index with the frame */
  added(item: OutputItem): { index: number; frame: string } {
    const index = this.items.length;
    const json = JSON.stringify(item);
    this.items.push(json);
    return { index, frame: this.next('response.output_item.added', `,"output_index":${index},"item":${json}`) };
  }

  done(index: number, item: OutputItem): string {
    return this.doneJson(index, JSON.stringify(item));
  }

  /** `output_item.done` of an item already serialised */
  doneJson(index: number, json: string): string {
    this.items[index] = json;
    return this.next('response.output_item.done', `,"output_index":${index},"item":${json}`);
  }

  private output(): string {
    return `[${this.items.join(',')}]`;
  }

  partAdded(id: string, index: number): string {
    return this.next('response.content_part.added', `${itemRef(id, index)},"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}`);
  }

  /** the hot event: `json` is the delta's JSON string literal */
  textDelta(ref: string, json: string): string {
    return this.next('response.output_text.delta', `${ref},"content_index":0,"delta":${json},"logprobs":[]`);
  }

  textDone(id: string, index: number, json: string): string {
    return (
      this.next('response.output_text.done', `${itemRef(id, index)},"content_index":0,"text":${json},"logprobs":[]`) +
      this.next('response.content_part.done', `${itemRef(id, index)},"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":${json}}`)
    );
  }

  summaryPartAdded(id: string, index: number): string {
    return this.next('response.reasoning_summary_part.added', `${itemRef(id, index)},"summary_index":0,"part":{"type":"summary_text","text":""}`);
  }

  summaryDelta(ref: string, json: string): string {
    return this.next('response.reasoning_summary_text.delta', `${ref},"summary_index":0,"delta":${json}`);
  }

  summaryDone(id: string, index: number, json: string): string {
    return (
      this.next('response.reasoning_summary_text.done', `${itemRef(id, index)},"summary_index":0,"text":${json}`) +
      this.next('response.reasoning_summary_part.done', `${itemRef(id, index)},"summary_index":0,"part":{"type":"summary_text","text":${json}}`)
    );
  }

  argumentsDelta(ref: string, fragment: string): string {
    return this.next('response.function_call_arguments.delta', `${ref},"delta":${JSON.stringify(fragment)}`);
  }

  argumentsDone(id: string, index: number, args: string): string {
    return this.next('response.function_call_arguments.done', `${itemRef(id, index)},"arguments":${JSON.stringify(args)}`);
  }

  customInput(id: string, index: number, input: string): string {
    const json = JSON.stringify(input);
    return this.next('response.custom_tool_call_input.delta', `${itemRef(id, index)},"delta":${json}`) + this.next('response.custom_tool_call_input.done', `${itemRef(id, index)},"input":${json}`);
  }

  /** `response.completed`, or `response.incomplete` with its reason */
  end(usage: ResponsesUsage | null, incomplete: IncompleteReason | null): string {
    const status = incomplete ? 'incomplete' : 'completed';
    return this.next(`response.${status}`, `,"response":${this.envelope.json(status, this.output(), usage, incomplete)}`);
  }

  /** an error after the first byte: an `error` event (the SDK throws on it), then `response.failed` (Codex reads its error) */
  fail(status: number, message: string): string {
    const code = errorCode(status);
    const error = { code, message };
    return (
      this.next('error', `,"code":"${code}","message":${JSON.stringify(message)},"param":null`) +
      this.next('response.failed', `,"response":${this.envelope.json('failed', this.output(), null, null, error)}`)
    );
  }

  /** `,"item_id":…,"output_index":n` of an item, for the per-token events (made once per item) */
  static ref(id: string, index: number): string {
    return itemRef(id, index);
  }
}
