/** Anthropic Messages turns ⇄ the neutral form sessions keep (sessions/neutral.ts). Reads unvalidated bodies defensively. */
import type { HistoryCodec, NeutralMessage, NeutralPart } from '../../sessions/neutral.js';
import { asArray, asRecord, asString, isRecord } from '../../translate/json.js';

const withCache = <T extends object>(part: T, cache: unknown): T => (cache ? { ...part, cache_control: cache } : part);

function parts(content: unknown): NeutralPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const out: NeutralPart[] = [];
  for (const b of asArray(content)) {
    const block = asRecord(b);
    switch (block.type) {
      case 'text':
        if (asString(block.text)) out.push(withCache({ type: 'text', text: asString(block.text) }, block.cache_control));
        break;
      case 'image': {
        const src = asRecord(block.source);
        if (src.type === 'base64') out.push(withCache({ type: 'image', media_type: asString(src.media_type), data: asString(src.data) }, block.cache_control));
        else if (src.type === 'url') out.push(withCache({ type: 'image', url: asString(src.url) }, block.cache_control));
        break;
      }
      case 'document': {
        const src = asRecord(block.source);
        if (src.type === 'base64') out.push(withCache({ type: 'document', media_type: asString(src.media_type), data: asString(src.data), ...(block.title ? { title: asString(block.title) } : {}) }, block.cache_control));
        break;
      }
      case 'thinking':
        out.push({ type: 'thinking', thinking: asString(block.thinking), signature: asString(block.signature) });
        break;
      case 'tool_use':
        out.push({ type: 'tool_call', id: asString(block.id), name: asString(block.name), input: isRecord(block.input) ? block.input : {} });
        break;
      case 'tool_result': {
        const c = block.content;
        const text = typeof c === 'string' ? c : asArray(c).map((x) => asString(asRecord(x).text)).join('');
        out.push({ type: 'tool_result', tool_call_id: asString(block.tool_use_id), content: text, ...(block.is_error === true ? { is_error: true } : {}) });
        break;
      }
      // redacted thinking and server-tool blocks are not kept
    }
  }
  return out;
}

export const ANTHROPIC_HISTORY: HistoryCodec = {
  fromRequest(body) {
    const out: NeutralMessage[] = [];
    for (const raw of asArray(body.messages)) {
      const m = asRecord(raw);
      // `system` inside messages (recent Claude Code) is the request's own, like the top-level one
      if (m.role === 'user' || m.role === 'assistant') out.push({ role: m.role, content: parts(m.content) });
    }
    return out.filter((m) => m.content.length);
  },

  fromAnswer(answer) {
    const content = parts(answer.content);
    return content.length ? { role: 'assistant', content } : null;
  },

  withHistory(body, history) {
    const messages = asArray(body.messages);
    let i = 0;
    while (i < messages.length && asRecord(messages[i]).role === 'system') i++;
    const turns = history.map(toAnthropic).filter((m) => (m.content as unknown[]).length);
    return { ...body, messages: [...messages.slice(0, i), ...turns, ...messages.slice(i)] };
  },
};

function toAnthropic(m: NeutralMessage): Record<string, unknown> {
  // thinking goes back only with the signature Anthropic issued for it (one from an OpenAI model has none)
  const kept = m.content.filter((p) => p.type !== 'thinking' || p.signature);
  const content = kept.map((p): Record<string, unknown> => {
    switch (p.type) {
      case 'text':
        return withCache({ type: 'text', text: p.text }, p.cache_control);
      case 'image':
        return withCache({ type: 'image', source: p.url ? { type: 'url', url: p.url } : { type: 'base64', media_type: p.media_type, data: p.data } }, p.cache_control);
      case 'document':
        return withCache({ type: 'document', source: { type: 'base64', media_type: p.media_type, data: p.data }, ...(p.title ? { title: p.title } : {}) }, p.cache_control);
      case 'thinking':
        return { type: 'thinking', thinking: p.thinking, signature: p.signature };
      case 'tool_call':
        return { type: 'tool_use', id: p.id, name: p.name, input: p.input };
      case 'tool_result':
        return { type: 'tool_result', tool_use_id: p.tool_call_id, content: p.content, ...(p.is_error ? { is_error: true } : {}) };
    }
  });
  return { role: m.role, content };
}
