/**
 * The plain-answer fast path must change nothing: where it answers, its bytes
 * are the full path's (parse, validate, translate, stringify), ids and
 * timestamps aside; everything else is left to the full path.
 */
import { describe, expect, it } from 'vitest';
import { bridge } from './helpers.js';
import { anthropicTextAnswerToOpenai } from '../../src/translate/openai-anthropic/hot.js';
import { openaiTextAnswerToAnthropic } from '../../src/translate/anthropic-openai/hot.js';
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
const normalize = (json: string) => json.replace(/"(chatcmpl-|msg_)[0-9a-f]+"/, '"ID"').replace(/"created":\d+/, '"created":0');
/** parse → validate → translate → stringify, for an upstream's answer */
const fullPath = (client: 'openai' | 'anthropic', text: string) =>
  JSON.stringify(bridge(client, client === 'openai' ? 'anthropic' : 'openai').response(JSON.parse(text), makeContext()));

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
    expect(normalize(fast!)).toBe(normalize(fullPath('openai', text)));
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

const completion = (content: unknown, extra: { finish_reason?: unknown; usage?: unknown; message?: object; tail?: object } = {}) =>
  JSON.stringify({
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...extra.message },
        logprobs: null,
        finish_reason: 'finish_reason' in extra ? extra.finish_reason : 'stop',
      },
    ],
    usage: 'usage' in extra ? extra.usage : { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 },
    ...extra.tail,
  });

describe('plain OpenAI completion → Anthropic message, without a full parse', () => {
  const realUsage = {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  it.each([
    ['plain text', completion('Hello! How can I help?')],
    ['annotations, service tier and fingerprint', completion('hi', { message: { annotations: [] }, tail: { service_tier: 'default', system_fingerprint: 'fp_f9f4fb6dbf' } })],
    ['escapes the upstream chose', completion('x').replace('"content":"x"', String.raw`"content":"a \"q\" \\ \u00e9 \/ \n \ud83d\ude00"`)],
    ['cached prompt tokens in the details', completion('hi', { usage: realUsage })],
    ['length', completion('cut', { finish_reason: 'length' })],
    ['content_filter', completion('no', { finish_reason: 'content_filter' })],
  ])('%s: the same bytes as the full path', (_name, text) => {
    const fast = openaiTextAnswerToAnthropic(text, makeContext());
    expect(fast).not.toBeNull();
    expect(normalize(fast!)).toBe(normalize(fullPath('anthropic', text)));
    expect(JSON.parse(fast!).id).toMatch(/^msg_[0-9a-f]{24}$/);
  });

  it.each([
    ['empty text', completion('')],
    ['no content', completion(null)],
    ['a refusal', completion(null, { message: { refusal: 'I cannot' } })],
    ['tool calls', completion(null, { message: { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] } })],
    ['reasoning beside the text', completion('x', { message: { reasoning_content: 'thought' } })],
    ['no usage', completion('x', { usage: null })],
    ['usage with a counter that is a string', completion('x', { usage: { prompt_tokens: '1', completion_tokens: 1 } })],
    ['no finish_reason', completion('x', { finish_reason: null })],
    ['two choices', completion('x').replace('"finish_reason":"stop"}]', '"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"y","refusal":null},"logprobs":null,"finish_reason":"stop"}]')],
    ['pretty-printed', JSON.stringify(JSON.parse(completion('x')), null, 2)],
    ['an error object', '{"error":{"message":"Rate limit","type":"rate_limit_error","param":null,"code":null}}'],
  ])('%s: left to the full path', (_name, text) => {
    expect(openaiTextAnswerToAnthropic(text, makeContext())).toBeNull();
  });
});
