/** Everything the proxy knows of Anthropic Messages, as a client protocol and as an upstream one. */
import { header } from '../../http/types.js';
import { anthropicToolId } from '../../translate/ids.js';
import { hasPart, messageList, modelOf, streamOf } from '../chat-fields.js';
import { ANTHROPIC_ERRORS } from './errors.js';
import { ANTHROPIC_HISTORY } from './history.js';
import { estimateTokens } from '../estimate.js';
import { isErrorEvent, isErrorObject, sseEvent, startsWithError } from '../sse.js';
import type { ClientSpec, ToolIdRule, UpstreamSpec } from '../types.js';
import { AnthropicStreamAggregate } from './aggregate.js';
import { parseAnthropicRequest } from './types.js';


const errorObject = (status: number, message: string) => ({ type: 'error', error: { type: ANTHROPIC_ERRORS.typeOf(status).type, message } });

/** Tool-use ids: letters, digits, '_' and '-' only. */
const ANTHROPIC_TOOL_ID = /^[a-zA-Z0-9_-]+$/;
export const ANTHROPIC_TOOL_IDS: ToolIdRule = { fits: (id) => ANTHROPIC_TOOL_ID.test(id), prefix: 'toolu_', fresh: anthropicToolId };

export const ANTHROPIC_CLIENT: ClientSpec = {
  name: 'anthropic',
  native: 'anthropic',
  // checked in this order: model, messages, stream
  chatFields: (body) => ({ model: modelOf(body), needsImages: hasPart(messageList(body), 'image'), stream: streamOf(body) }),
  validate: (body) => void parseAnthropicRequest(body),
  errorObject,
  status: (status) => status,
  streamErrorFrame: (status, message) => sseEvent('error', errorObject(status, message)),
  heartbeat: 'event: ping\ndata: {"type":"ping"}\n\n',
  estimateInputTokens: (body) => estimateTokens([body.system, body.messages, body.tools]),
  // Anthropic's SDKs always send anthropic-version; its routes all hold /messages
  announcedBy: (req) => header(req.headers, 'anthropic-version') !== undefined || req.path.includes('/messages'),
  modelList(rows) {
    const data = rows.map(ANTHROPIC_CLIENT.model) as { id: string }[];
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
  model: (row) => ({ type: 'model', id: row.id, display_name: row.id, created_at: CREATED_AT }),
  assemble: () => new AnthropicStreamAggregate(),
  history: ANTHROPIC_HISTORY,
};

const CREATED_AT = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

export const ANTHROPIC_UPSTREAM: UpstreamSpec = {
  name: 'anthropic',
  framing: {
    kind: 'sse',
    endFrame: /\nevent: ?message_stop\r?\ndata: ?\{[^\n]*\}\r?\n\r?\n$/,
    isEnd: (e) => e.event === 'message_stop',
    isError: isErrorEvent,
    startsWithError,
  },
  errorTypes: ANTHROPIC_ERRORS,
  forwards: ['anthropic-version', 'anthropic-beta'],
  answerIsError: isErrorObject,
};
