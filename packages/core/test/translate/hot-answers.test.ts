/**
 * The plain-answer fast path must change nothing: where it answers, its bytes
 * are the full path's (parse, validate, translate, stringify), ids and
 * timestamps aside; everything else is left to the full path.
 */
import { describe, expect, it } from 'vitest';
import { bridge } from '../../src/translate/index.js';
import { anthropicTextAnswerToOpenai } from '../../src/translate/hot-answers.js';
import { makeContext } from './helpers.js';

const answer = (text: unknown, extra: { stop_reason?: unknown; stop_sequence?: unknown; usage?: unknown } = {}) =>
  JSON.stringify({
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text }],
    stop_reason: 'stop_reason' in extra ? extra.stop_reason : 'end_turn',
    stop_sequence: 'stop_sequence' in extra ? extra.stop_sequence : null,
    usage: 'usage' in extra ? extra.usage : { input_tokens: 12, output_tokens: 20 },
  });

/** ids and timestamps differ per call */
const normalize = (json: string) => json.replace(/"chatcmpl-[0-9a-f]+"/, '"ID"').replace(/"created":\d+/, '"created":0');
const fullPath = (text: string) => JSON.stringify(bridge('openai', 'anthropic').response(JSON.parse(text), makeContext()));

describe('plain Anthropic answer → OpenAI completion, without a full parse', () => {
  const realUsage = {
    input_tokens: 2095,
    cache_creation_input_tokens: 100,
    cache_read_input_tokens: 3000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
    output_tokens: 503,
    service_tier: 'standard',
  };
  it.each([
    ['plain text', answer('Hello! How can I help?')],
    ['empty text', answer('')],
    ['escapes the upstream chose', answer('x').replace('"text":"x"', String.raw`"text":"a \"q\" \\ \u00e9 \/ \n \ud83d\ude00 \u2028"`)],
    ['unicode as is', answer('é 😀 \u2028 ok')],
    ['cache usage with a nested object', answer('hi', { usage: realUsage })],
    ['max_tokens', answer('cut', { stop_reason: 'max_tokens' })],
    ['no stop_reason', answer('x', { stop_reason: null })],
    ['refusal', answer('no', { stop_reason: 'refusal' })],
  ])('%s: the same bytes as the full path', (_name, text) => {
    const fast = anthropicTextAnswerToOpenai(text, makeContext());
    expect(fast).not.toBeNull();
    expect(normalize(fast!)).toBe(normalize(fullPath(text)));
    expect(JSON.parse(fast!).id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
  });

  it.each([
    ['two blocks', answer('x').replace('"content":[{"type":"text","text":"x"}]', '"content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]')],
    ['a tool call', answer('x').replace('{"type":"text","text":"x"}', '{"type":"tool_use","id":"t","name":"f","input":{}}')],
    ['thinking first', answer('x').replace('[{"type":"text"', '[{"type":"thinking","thinking":"t","signature":"s"},{"type":"text"')],
    ['citations on the block', answer('x').replace('"text":"x"}', '"text":"x","citations":null}')],
    ['a stop sequence', answer('x', { stop_reason: 'stop_sequence', stop_sequence: 'END' })],
    ['usage without input_tokens', answer('x', { usage: { output_tokens: 1 } })],
    ['usage that is not an object', answer('x', { usage: 5 })],
    ['a counter that is a string', answer('x', { usage: { input_tokens: '12', output_tokens: 1 } })],
    ['a cache counter that is a string', answer('x', { usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: '3' } })],
    ['pretty-printed', JSON.stringify(JSON.parse(answer('x')), null, 2)],
    ['an extra top-level field', answer('x').replace(/\}$/, ',"container":null}')],
    ['a raw control character in the text', answer('x').replace('"text":"x"', '"text":"a\tb"')],
    ['a bad escape', answer('x').replace('"text":"x"', '"text":"\\u12"')],
    ['an error object', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'],
  ])('%s: left to the full path', (_name, text) => {
    expect(anthropicTextAnswerToOpenai(text, makeContext())).toBeNull();
  });
});
