/**
 * The text-delta fast path must change nothing: every recorded stream gives
 * the same client stream whether its frames take the pattern or the full parse
 * (a leading space in the data is still the same JSON, but no longer matches).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnthropicToOpenAIStream } from '../../src/translate/openai-anthropic/stream.js';
import { anthropicBlockStop, anthropicTextBlockStart, anthropicTextDelta } from '../../src/translate/openai-anthropic/hot.js';
import { openaiTextChunk, openaiUsageChunk } from '../../src/translate/anthropic-openai/hot.js';
import { OpenAIToAnthropicStream } from '../../src/translate/anthropic-openai/stream.js';
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

  it('recognises the recorded text, role and finish frames of both protocols and reads them exactly', () => {
    const data = (file: string) =>
      fixture(file)
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6));
    const openai = data('openai-text.sse').map(openaiTextChunk);
    expect(openai.filter((c) => c !== null).map((c) => JSON.parse(c!.text) as string).join('')).toBe('Hello! How can I help?');
    expect(openai[0]).toEqual({ text: '""', finish: '' }); // the role chunk
    expect(openai.filter((c) => c?.finish).map((c) => c!.finish)).toEqual(['stop']);
    expect(data('anthropic-text.sse').map(anthropicTextDelta).filter((t) => t !== null).length).toBeGreaterThan(0);
  });

  it('gives the text as the literal JSON.stringify writes, whatever escapes the upstream chose', () => {
    const chunk = (content: string) =>
      `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${content}},"logprobs":null,"finish_reason":null}]}`;
    const text = (content: string) => openaiTextChunk(chunk(content))?.text;
    expect(text(JSON.stringify('plain \u2028 é 😀'))).toBe(JSON.stringify('plain \u2028 é 😀'));
    expect(text(String.raw`"a \"quoted\" \\ \u00e9 \/ \n \ud83d\ude00"`)).toBe(JSON.stringify('a "quoted" \\ é / \n 😀'));
    expect(text(String.raw`"lone \ud800"`)).toBe(JSON.stringify('lone \ud800'));
    expect(anthropicTextDelta(String.raw`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}`)).toBe(JSON.stringify('a\nb'));
  });

  it("reads OpenAI's include_usage chunk by its usage alone", () => {
    const usageChunks = FIXTURES.filter((f) => f.startsWith('openai-'))
      .flatMap((f) => fixture(f).split('\n'))
      .filter((l) => l.startsWith('data: ') && l.includes('"choices":[],"usage":{'))
      .map((l) => l.slice(6));
    expect(usageChunks.length).toBeGreaterThan(2);
    for (const data of usageChunks) expect(openaiUsageChunk(data)).toEqual((JSON.parse(data) as { usage: unknown }).usage);
    const chunk = (rest: string) => `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]${rest}}`;
    expect(openaiUsageChunk(chunk(',"usage":null'))).toBeNull();
    expect(openaiUsageChunk(chunk(',"usage":{"a":{"b":{"c":1}}}'))).toBeNull(); // deeper than the pattern reads
    expect(openaiUsageChunk(chunk(',"usage":{"prompt_tokens":1,'))).toBeNull();
    expect(openaiUsageChunk(chunk(''))).toBeNull();
  });

  it("reads Anthropic's block starts of empty text and block stops by their index alone", () => {
    expect(anthropicTextBlockStart('{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}')).toBe(0);
    expect(anthropicTextBlockStart('{"type":"content_block_start","index":12,"content_block":{"type":"text","text":""}}')).toBe(12);
    expect(anthropicBlockStop('{"type":"content_block_stop","index":3}')).toBe(3);
    // anything else: -1, and the full parse decides
    expect(anthropicTextBlockStart('{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"hi"}}')).toBe(-1);
    expect(anthropicTextBlockStart('{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}')).toBe(-1);
    expect(anthropicBlockStop('{"type":"content_block_stop","index":01}')).toBe(-1); // not JSON
    expect(anthropicBlockStop('{"type":"content_block_stop","index":1.5}')).toBe(-1);
    expect(anthropicBlockStop('{"type":"content_block_stop","index":"1"}')).toBe(-1);
    expect(anthropicBlockStop('{"type":"content_block_stop","index":12345678901}')).toBe(-1);
  });

  it('leaves anything else to the full parse', () => {
    const chunk = (delta: object, extra = '', finish = 'null') =>
      `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}}]${extra}}`;
    expect(openaiTextChunk(chunk({ content: 'x' }, ',"usage":{"prompt_tokens":1}'))).toBeNull();
    expect(openaiTextChunk(chunk({ role: 'user', content: 'x' }))).toBeNull();
    expect(openaiTextChunk(chunk({ role: 'assistant' }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x', tool_calls: [] }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: null }))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x' }, '', '"Stop!"'))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x' }).replace('"content":"x"', '"content":"\\u12"'))).toBeNull();
    expect(openaiTextChunk(chunk({ content: 'x' }).replace('"content":"x"', '"content":"a\tb"'))).toBeNull(); // a raw tab: not JSON
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"x"}}')).toBeNull();
  });
});
