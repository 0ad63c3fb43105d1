/** OpenAI Chat Completions turns ⇄ the neutral form sessions keep (sessions/neutral.ts). Reads unvalidated bodies defensively. */
import type { HistoryCodec, NeutralMessage, NeutralPart } from '../../sessions/neutral.js';
import { asArray, asRecord, asString } from '../../translate/json.js';
import { parseDataUrl, toDataUrl } from '../../translate/media.js';
import { parseToolArguments } from '../../translate/tools.js';

const SYSTEM = new Set<unknown>(['system', 'developer']);

const withCache = <T extends object>(part: T, cache: unknown): T => (cache ? { ...part, cache_control: cache } : part);

function userParts(content: unknown): NeutralPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: NeutralPart[] = [];
  for (const p of asArray(content)) {
    const part = asRecord(p);
    if (part.type === 'text' && asString(part.text)) parts.push(withCache({ type: 'text', text: asString(part.text) }, part.cache_control));
    else if (part.type === 'image_url') {
      const url = asString(asRecord(part.image_url).url);
      const inline = parseDataUrl(url);
      if (inline) parts.push(withCache({ type: 'image', media_type: inline.mediaType, data: inline.data }, part.cache_control));
      else if (url) parts.push(withCache({ type: 'image', url }, part.cache_control));
    } else if (part.type === 'file') {
      const file = asRecord(part.file);
      const inline = parseDataUrl(asString(file.file_data));
      if (inline) parts.push({ type: 'document', media_type: inline.mediaType, data: inline.data, ...(file.filename ? { title: asString(file.filename) } : {}) });
    }
  }
  return parts;
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : asArray(content).map((p) => asString(asRecord(p).text) || asString(asRecord(p).refusal)).join('');

function assistantParts(m: Record<string, unknown>): NeutralPart[] {
  const parts: NeutralPart[] = [];
  const reasoning = asString(m.reasoning_content);
  if (reasoning) parts.push({ type: 'thinking', thinking: reasoning, signature: asString(m.reasoning_signature) });
  const text = textOf(m.content);
  if (text) parts.push({ type: 'text', text });
  for (const c of asArray(m.tool_calls)) {
    const call = asRecord(c);
    const fn = asRecord(call.function);
    parts.push({ type: 'tool_call', id: asString(call.id), name: asString(fn.name), input: parseToolArguments(asString(fn.arguments)) ?? {} });
  }
  return parts;
}

export const OPENAI_HISTORY: HistoryCodec = {
  fromRequest(body) {
    const out: NeutralMessage[] = [];
    for (const raw of asArray(body.messages)) {
      const m = asRecord(raw);
      if (m.role === 'user') out.push({ role: 'user', content: userParts(m.content) });
      else if (m.role === 'assistant') out.push({ role: 'assistant', content: assistantParts(m) });
      else if (m.role === 'tool') out.push({ role: 'user', content: [{ type: 'tool_result', tool_call_id: asString(m.tool_call_id), content: textOf(m.content) }] });
      // system and developer messages are the request's own, never stored
    }
    return out.filter((m) => m.content.length);
  },

  fromAnswer(answer) {
    const message = asRecord(asRecord(asArray(answer.choices)[0]).message);
    const content = assistantParts({ ...message, content: message.content ?? message.refusal });
    return content.length ? { role: 'assistant', content } : null;
  },

  withHistory(body, history) {
    const messages = asArray(body.messages);
    // after the system prompt the request carries: it stays first
    let i = 0;
    while (i < messages.length && SYSTEM.has(asRecord(messages[i]).role)) i++;
    return { ...body, messages: [...messages.slice(0, i), ...history.flatMap(toOpenAI), ...messages.slice(i)] };
  },
};

function toOpenAI(m: NeutralMessage): Record<string, unknown>[] {
  if (m.role === 'assistant') {
    const out: Record<string, unknown> = { role: 'assistant', content: null };
    const text = m.content.filter((p) => p.type === 'text').map((p) => p.text).join('');
    if (text) out.content = text;
    const thinking = m.content.filter((p) => p.type === 'thinking');
    if (thinking.length) {
      out.reasoning_content = thinking.map((p) => p.thinking).join('');
      // one signature covers one block: only a single block can be restored
      if (thinking.length === 1 && thinking[0]!.signature) out.reasoning_signature = thinking[0]!.signature;
    }
    const calls = m.content.filter((p) => p.type === 'tool_call');
    if (calls.length) out.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
    return [out];
  }
  const out: Record<string, unknown>[] = [];
  for (const p of m.content) if (p.type === 'tool_result') out.push({ role: 'tool', tool_call_id: p.tool_call_id, content: p.content });
  const parts = m.content.flatMap((p): Record<string, unknown>[] => {
    if (p.type === 'text') return [withCache({ type: 'text', text: p.text }, p.cache_control)];
    if (p.type === 'image') return [{ type: 'image_url', image_url: { url: p.url ?? toDataUrl({ mediaType: p.media_type ?? '', data: p.data ?? '' }) } }];
    if (p.type === 'document') return [{ type: 'file', file: { file_data: toDataUrl({ mediaType: p.media_type, data: p.data }), ...(p.title ? { filename: p.title } : {}) } }];
    return [];
  });
  if (parts.length) out.push({ role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' && !parts[0]!.cache_control ? parts[0]!.text : parts });
  return out;
}
