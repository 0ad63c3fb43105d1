/**
 * Responses items ⇄ the neutral form sessions keep (sessions/neutral.ts), and
 * the items a stored response continues with (`previous_response_id`).
 * Reads unvalidated bodies defensively.
 */
import type { HistoryCodec, NeutralMessage, NeutralPart } from '../../sessions/neutral.js';
import { asArray, asRecord, asString } from '../../translate/json.js';
import { parseDataUrl, toDataUrl } from '../../translate/media.js';
import { parseToolArguments } from '../../translate/tools.js';

/** A request's input as items: a string is one user message. */
export const inputItems = (body: Record<string, unknown>): unknown[] =>
  typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input);

const outputText = (item: Record<string, unknown>): string =>
  typeof item.content === 'string' ? item.content : asArray(item.content).map((p) => asString(asRecord(p).text) || asString(asRecord(p).refusal)).join('');

function userParts(content: unknown): NeutralPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: NeutralPart[] = [];
  for (const raw of asArray(content)) {
    const p = asRecord(raw);
    if (p.type === 'input_text' && asString(p.text)) parts.push({ type: 'text', text: asString(p.text) });
    else if (p.type === 'input_image') {
      const url = asString(p.image_url);
      const inline = parseDataUrl(url);
      if (inline) parts.push({ type: 'image', media_type: inline.mediaType, data: inline.data });
      else if (url) parts.push({ type: 'image', url });
    } else if (p.type === 'input_file') {
      const inline = parseDataUrl(asString(p.file_data));
      if (inline) parts.push({ type: 'document', media_type: inline.mediaType, data: inline.data, ...(p.filename ? { title: asString(p.filename) } : {}) });
    }
  }
  return parts;
}

const toolOutput = (output: unknown): string => (typeof output === 'string' ? output : asArray(output).map((p) => asString(asRecord(p).text)).join('\n'));

/** Items → neutral turns: a run of assistant items is one turn, a run of tool outputs one user turn. */
function toNeutral(items: unknown[]): NeutralMessage[] {
  const out: NeutralMessage[] = [];
  const add = (role: NeutralMessage['role'], parts: NeutralPart[], merge: boolean) => {
    if (!parts.length) return;
    const last = out.at(-1);
    if (merge && last?.role === role) last.content.push(...parts);
    else out.push({ role, content: parts });
  };
  for (const raw of items) {
    const item = asRecord(raw);
    switch (item.type ?? 'message') {
      case 'message':
        if (item.role === 'assistant') add('assistant', outputText(item) ? [{ type: 'text', text: outputText(item) }] : [], true);
        else if (item.role === 'user') add('user', userParts(item.content), false);
        // system and developer messages are the request's own, never stored
        break;
      case 'reasoning': {
        const thinking = asArray(item.summary).map((s) => asString(asRecord(s).text)).join('\n\n');
        add('assistant', [{ type: 'thinking', thinking, signature: asString(item.encrypted_content) }], true);
        break;
      }
      case 'function_call':
        add('assistant', [{ type: 'tool_call', id: asString(item.call_id), name: asString(item.name), input: parseToolArguments(asString(item.arguments)) ?? {} }], true);
        break;
      case 'custom_tool_call':
        add('assistant', [{ type: 'tool_call', id: asString(item.call_id), name: asString(item.name), input: { input: asString(item.input) } }], true);
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        add('user', [{ type: 'tool_result', tool_call_id: asString(item.call_id), content: toolOutput(item.output) }], true);
        break;
    }
  }
  return out;
}

function fromNeutral(m: NeutralMessage): unknown[] {
  const items: unknown[] = [];
  if (m.role === 'assistant') {
    for (const p of m.content) {
      if (p.type === 'thinking') items.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: p.thinking }], ...(p.signature ? { encrypted_content: p.signature } : {}) });
      else if (p.type === 'text') items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: p.text }] });
      else if (p.type === 'tool_call') items.push({ type: 'function_call', call_id: p.id, name: p.name, arguments: JSON.stringify(p.input) });
    }
    return items;
  }
  for (const p of m.content) if (p.type === 'tool_result') items.push({ type: 'function_call_output', call_id: p.tool_call_id, output: p.content });
  const parts = m.content.flatMap((p): unknown[] => {
    if (p.type === 'text') return [{ type: 'input_text', text: p.text }];
    if (p.type === 'image') return [{ type: 'input_image', image_url: p.url ?? toDataUrl({ mediaType: p.media_type ?? '', data: p.data ?? '' }), detail: 'auto' }];
    if (p.type === 'document') return [{ type: 'input_file', file_data: toDataUrl({ mediaType: p.media_type, data: p.data }), ...(p.title ? { filename: p.title } : {}) }];
    return [];
  });
  if (parts.length) items.push({ role: 'user', content: parts });
  return items;
}

export const RESPONSES_HISTORY: HistoryCodec = {
  fromRequest: (body) => toNeutral(inputItems(body)),
  fromAnswer(answer) {
    const [turn] = toNeutral(asArray(answer.output));
    return turn?.role === 'assistant' ? turn : null;
  },
  // instructions are a field of their own: the history goes before the whole input
  withHistory: (body, history) => ({ ...body, input: [...history.flatMap(fromNeutral), ...inputItems(body)] }),
};
