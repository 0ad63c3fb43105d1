/** Everything the proxy knows of OpenAI Chat Completions, as a client protocol and as an upstream one. */
import { openaiToolId } from '../../translate/ids.js';
import { hasPart, messageList, modelOf, streamOf } from '../chat-fields.js';
import { OPENAI_ERRORS } from './errors.js';
import { OPENAI_HISTORY } from './history.js';
import { estimateTokens } from '../estimate.js';
import { isErrorEvent, isErrorObject, sseData, startsWithError } from '../sse.js';
import type { ClientSpec, ToolIdRule, UpstreamSpec } from '../types.js';
import { OpenAIStreamAggregate } from './aggregate.js';
import { parseOpenAIRequest } from './types.js';


const errorObject = (status: number, message: string, param: string | null = null, code: string | null = null) => {
  const t = OPENAI_ERRORS.typeOf(status);
  return { error: { message, type: t.type, param, code: code ?? t.code } };
};

/** Tool-call ids: up to 40 characters (OpenAI's limit). */
export const OPENAI_TOOL_IDS: ToolIdRule = { fits: (id) => id.length > 0 && id.length <= 40, prefix: 'call_', fresh: openaiToolId };

export const OPENAI_CLIENT: ClientSpec = {
  name: 'openai',
  native: 'openai',
  // checked in this order: model, messages, stream
  chatFields: (body) => ({ model: modelOf(body), needsImages: hasPart(messageList(body), 'image_url'), stream: streamOf(body) }),
  validate: (body) => void parseOpenAIRequest(body),
  errorObject,
  status: (status) => (status === 529 ? 503 : status),
  streamErrorFrame: (status, message) => sseData(errorObject(status, message)),
  heartbeat: ': keep-alive\n\n',
  // the system prompt sits inside `messages`
  estimateInputTokens: (body) => estimateTokens([body.messages, body.tools]),
  announcedBy: () => false,
  modelList: (rows) => ({ object: 'list', data: rows.map(OPENAI_CLIENT.model) }),
  model: (row) => ({ id: row.id, object: 'model', created: CREATED, owned_by: row.owner }),
  assemble: () => new OpenAIStreamAggregate(),
  history: OPENAI_HISTORY,
};

const CREATED = Math.floor(Date.now() / 1000);

export const OPENAI_UPSTREAM: UpstreamSpec = {
  name: 'openai',
  framing: {
    kind: 'sse',
    // a raw newline never occurs inside a JSON string, so "\n…\n\n" cannot be content that merely mentions the marker
    endFrame: /\ndata: ?\[DONE\]\r?\n\r?\n$/,
    isEnd: (e) => e.data === '[DONE]',
    isError: isErrorEvent,
    startsWithError,
  },
  errorTypes: OPENAI_ERRORS,
  forwards: [],
  answerIsError: isErrorObject,
};
