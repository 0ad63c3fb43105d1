/**
 * The text-delta fast path must change nothing: every recorded stream gives
 * the same client stream whether its frames take the pattern or the full parse
 * (a leading space in the data is still the same JSON, but no longer matches).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnthropicToOpenAIStream } from '../../src/translate/anthropic-to-openai.js';
import { anthropicTextDelta, openaiTextChunk } from '../../src/translate/hot-frames.js';
import { OpenAIToAnthropicStream } from '../../src/translate/openai-to-anthropic.js';
import { fixture, makeContext, normalize, runStream } from './helpers.js';

const FIXTURES = readdirSync(new URL('./fixtures/', import.meta.url)).filter((f) => f.endsWith('.sse'));
const slowPath = (sse: string) => sse.replace(/^data: \{/gm, 'data:  {');
const translator = (file: string) => (file.startsWith('openai-') ? new OpenAIToAnthropicStream(makeContext()) : new AnthropicToOpenAIStream(makeContext({ includeUsage: true })));

describe('text-delta fast path', () => {
  it.each(FIXTURES)('%s: same client stream with and without it', (file) => {
    const sse = fixture(file);
    expect(slowPath(sse)).not.toBe(sse);
    expect(normalize(runStream(translator(file), sse))).toBe(normalize(runStream(translator(file), slowPath(sse))));
  });

  it('recognises the recorded text frames of both protocols and reads their text exactly', () => {
    const texts = (file: string, read: (d: string) => string | null) =>
      fixture(file)
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => read(l.slice(6)))
        .filter((t) => t !== null);
    expect(texts('openai-text.sse', openaiTextChunk).join('')).toBe('Hello! How can I help?');
    expect(texts('anthropic-text.sse', anthropicTextDelta).length).toBeGreaterThan(0);
  });

  it('leaves anything else to the full parse', () => {
    const chunk = (delta: object, extra = '') =>
      `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}]${extra}}`;
    expect(openaiTextChunk(chunk({ content: 'a "quoted" \\ \u2028 é' }))).toBe('a "quoted" \\ \u2028 é');
    expect(openaiTextChunk(chunk({ content: 'x' }, ',"usage":{"prompt_tokens":1}'))).toBeNull();
    expect(openaiTextChunk(chunk({ role: 'assistant', content: 'x' }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x', tool_calls: [] }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: null }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x' }).replace('"content":"x"', '"content":"\\u12"'))).toBeNull();
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"x"}}')).toBeNull();
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\nb"}}')).toBe('a\nb');
  });
});
