/** Everything the proxy knows of the OpenAI Responses API, as a client protocol and as an upstream one. */
import { badRequest } from '../../errors.js';
import { modelOf, streamOf } from '../chat-fields.js';
import { estimateTokens } from '../estimate.js';
import { OPENAI_ERRORS } from '../openai/errors.js';
import { OPENAI_CLIENT } from '../openai/spec.js';
import { isErrorObject } from '../sse.js';
import type { ClientSpec, Continuation, UpstreamSpec } from '../types.js';
import { asArray, asString } from '../../translate/json.js';
import { eventType, ResponsesStreamAggregate } from './aggregate.js';
import { inputItems, RESPONSES_HISTORY } from './history.js';
import { parseResponsesRequest } from './types.js';
import { errorCode } from './writer.js';

/** A request's `input`: a string, or a list of items; 400 naming it otherwise. */
export function inputOf(body: Record<string, unknown>): string | unknown[] {
  const input = body.input;
  if (typeof input === 'string' || Array.isArray(input)) return input;
  throw badRequest(input === undefined || input === null ? 'input: required' : 'input: must be a string or an array of items', 'input');
}

/** An image anywhere in the input: in a message, or in a tool's output. */
function hasImage(input: string | unknown[]): boolean {
  if (typeof input === 'string') return false;
  for (const item of input) {
    const i = item as { content?: unknown; output?: unknown } | null;
    const parts = Array.isArray(i?.content) ? i.content : Array.isArray(i?.output) ? i.output : null;
    if (parts) for (const p of parts) if ((p as { type?: unknown } | null)?.type === 'input_image') return true;
  }
  return false;
}

/** An `error` event: what the SDK throws on (no sequence number where the stream's own is not known). */
const errorEvent = (status: number, message: string) =>
  `event: error\ndata: ${JSON.stringify({ type: 'error', code: errorCode(status), message, param: null })}\n\n`;

/** `previous_response_id` and `store`: the proxy keeps answers so that a continuation works on any upstream. */
const RESPONSES_CONTINUATION: Continuation = {
  previous(body) {
    const id = body.previous_response_id;
    if (id === undefined || id === null) return null;
    if (typeof id !== 'string' || !id) throw badRequest('previous_response_id: must be a non-empty string', 'previous_response_id');
    return id;
  },
  stores: (body) => body.store !== false,
  input: inputItems,
  output: (answer) => asArray(answer.output),
  id: (answer) => asString(answer.id),
  withInput(body, items) {
    const { previous_response_id: _p, ...rest } = body;
    return { ...rest, input: items };
  },
  deleted: (id) => ({ id, object: 'response', deleted: true }),
};

export const RESPONSES_CLIENT: ClientSpec = {
  name: 'responses',
  native: 'openai-responses',
  // checked in this order: model, input, stream
  chatFields(body) {
    const model = modelOf(body);
    return { model, needsImages: hasImage(inputOf(body)), stream: streamOf(body) };
  },
  validate: (body) => void parseResponsesRequest(body),
  // the Responses API writes errors as Chat Completions does
  errorObject: OPENAI_CLIENT.errorObject,
  status: OPENAI_CLIENT.status,
  streamErrorFrame: errorEvent,
  heartbeat: ': keep-alive\n\n',
  estimateInputTokens: (body) => estimateTokens([body.instructions, body.input, body.tools]),
  announcedBy: (req) => req.path.includes('/responses'),
  modelList: OPENAI_CLIENT.modelList,
  model: OPENAI_CLIENT.model,
  assemble: () => new ResponsesStreamAggregate(),
  history: RESPONSES_HISTORY,
  continuation: RESPONSES_CONTINUATION,
};

const END_EVENTS = new Set(['response.completed', 'response.incomplete']);
const ERROR_EVENTS = new Set(['error', 'response.failed']);

export const RESPONSES_UPSTREAM: UpstreamSpec = {
  name: 'openai-responses',
  framing: {
    kind: 'sse',
    // the end event carries the whole response: too long for a tail, it is known by its head
    endFrame: null,
    endHead: /^(?:event: ?response\.(?:completed|incomplete)\r?\n|data: ?\{"type":"response\.(?:completed|incomplete)")/,
    isEnd: (e) => END_EVENTS.has(eventType(e)),
    isError: (e) => ERROR_EVENTS.has(eventType(e)) || isErrorObject(e.data),
    startsWithError: (head) =>
      /^(?:event: ?(?:error|response\.failed)\r?\n|data: ?\{"type":"(?:error|response\.failed)")/.test(head) || isErrorObject(head.replace(/^data: ?/, '')),
  },
  errorTypes: OPENAI_ERRORS,
  forwards: [],
  answerIsError: isErrorObject,
};
