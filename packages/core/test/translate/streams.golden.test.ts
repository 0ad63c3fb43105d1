/**
 * Golden stream tests: a recorded upstream stream (fixtures/*.sse) in, the
 * exact client stream out (fixtures/golden/, ids and timestamps normalised).
 * Every output is also checked against the client protocol's structural
 * rules and re-assembled with the same-protocol aggregate to check meaning.
 */
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { AnthropicToOpenAIStream } from '../../src/translate/openai-anthropic/stream.js';
import { AnthropicStreamAggregate } from '../../src/protocols/anthropic/aggregate.js';
import { OpenAIStreamAggregate } from '../../src/protocols/openai/aggregate.js';
import { OpenAIToAnthropicStream } from '../../src/translate/anthropic-openai/stream.js';
import { expectValidAnthropicStream, expectValidOpenAIStream, fixture, makeContext, normalize, parseSse, runStream } from './helpers.js';

function toAnthropic(name: string) {
  const out = runStream(new OpenAIToAnthropicStream(makeContext()), fixture(`${name}.sse`));
  expectValidAnthropicStream(out);
  const agg = new AnthropicStreamAggregate();
  for (const e of parseSse(out)) agg.push(e);
  return { out, agg };
}

function toOpenAI(name: string, includeUsage = true) {
  const out = runStream(new AnthropicToOpenAIStream(makeContext({ includeUsage })), fixture(`${name}.sse`));
  expectValidOpenAIStream(out, includeUsage);
  const agg = new OpenAIStreamAggregate();
  for (const e of parseSse(out)) agg.push(e);
  return { out, agg };
}

const golden = (out: string, file: string) => expect(normalize(out)).toMatchFileSnapshot(`./fixtures/golden/${file}`);

describe('golden: OpenAI upstream → Anthropic client', () => {
  it('plain text', async () => {
    const { out, agg } = toAnthropic('openai-text');
    await golden(out, 'openai-text.anthropic.sse');
    expect(agg.finish()).toMatchObject({
      model: 'client-model',
      content: [{ type: 'text', text: 'Hello! How can I help?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 19, output_tokens: 9 },
    });
  });

  it('text then one tool call: the block switch re-emits nothing twice and loses nothing', async () => {
    const { out, agg } = toAnthropic('openai-text-then-tool');
    await golden(out, 'openai-text-then-tool.anthropic.sse');
    expect(agg.finish()).toMatchObject({
      content: [
        { type: 'text', text: 'Let me check the weather.' },
        { type: 'tool_use', id: 'call_Qx1a2B3c', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
    });
  });

  it('several tool calls in a row: each new index closes the last block; stop is forced to tool_use', async () => {
    const { out, agg } = toAnthropic('openai-parallel-tools');
    await golden(out, 'openai-parallel-tools.anthropic.sse');
    const message = agg.finish();
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_Par0', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_Par1', name: 'get_weather', input: { city: 'Rome' } },
      { type: 'tool_use', id: 'call_Par2', name: 'get_time', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('interleaved tool-call fragments: the open call streams, the other is buffered and emitted whole', async () => {
    const { out, agg } = toAnthropic('openai-interleaved-tools');
    await golden(out, 'openai-interleaved-tools.anthropic.sse');
    expect(agg.finish().content).toEqual([
      { type: 'tool_use', id: 'call_Int0', name: 'read_file', input: { path: 'a.txt' } },
      { type: 'tool_use', id: 'call_Int1', name: 'list_dir', input: { dir: 'src' } },
    ]);
  });

  it('reasoning_content then content: a thinking block (with a signature) before the text block', async () => {
    const { out, agg } = toAnthropic('openai-thinking');
    await golden(out, 'openai-thinking.anthropic.sse');
    expect(agg.finish().content).toEqual([
      { type: 'thinking', thinking: 'The user asks 2+2. That is 4.', signature: '' },
      { type: 'text', text: '2 + 2 = 4.' },
    ]);
  });

  it('usage with cached tokens: message_delta waits for the usage chunk and carries input and cache counts', async () => {
    const { out, agg } = toAnthropic('openai-cache-usage');
    await golden(out, 'openai-cache-usage.anthropic.sse');
    expect(agg.finish().usage).toEqual({ input_tokens: 470, output_tokens: 4, cache_read_input_tokens: 1536 });
  });

  it('one chunk with content, finish_reason and usage: all three are handled', async () => {
    const { out, agg } = toAnthropic('openai-content-and-finish');
    await golden(out, 'openai-content-and-finish.anthropic.sse');
    expect(agg.finish()).toMatchObject({ content: [{ type: 'text', text: 'Done.' }], stop_reason: 'end_turn', usage: { input_tokens: 11, output_tokens: 2 } });
  });

  it('no usage chunk: [DONE] flushes message_delta with zero output usage, the estimate stays as input', async () => {
    const { out, agg } = toAnthropic('openai-no-usage');
    await golden(out, 'openai-no-usage.anthropic.sse');
    expect(agg.finish().usage).toEqual({ input_tokens: 42, output_tokens: 0 });
  });

  it('truncated stream: finish() closes the open block and ends the message as end_turn', async () => {
    const { out, agg } = toAnthropic('openai-truncated');
    await golden(out, 'openai-truncated.anthropic.sse');
    expect(agg.finish()).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'I will write' }, { type: 'tool_use', name: 'write_file' }] });
  });

  it('in-stream error: becomes an Anthropic error event and nothing follows', async () => {
    const { out, agg } = toAnthropic('openai-error');
    await golden(out, 'openai-error.anthropic.sse');
    expect(out.endsWith('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The server had an error while processing your request. Sorry about that!"}}\n\n')).toBe(true);
    expect(() => agg.finish()).toThrow(ProxyError);
  });

  it('null/empty deltas, empty choices, junk data, comments and chunks after [DONE] are ignored', async () => {
    const { out, agg } = toAnthropic('openai-odd-input');
    await golden(out, 'openai-odd-input.anthropic.sse');
    expect(agg.finish()).toMatchObject({ content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 3, output_tokens: 1 } });
  });
});

describe('golden: Anthropic upstream → OpenAI client', () => {
  it('plain text with a ping, include_usage asked', async () => {
    const { out, agg } = toOpenAI('anthropic-text');
    await golden(out, 'anthropic-text.openai.sse');
    const completion = agg.finish();
    expect(completion.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello! How can I help?' }, finish_reason: 'stop' });
    expect(completion.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 });
  });

  it('plain text without include_usage: no usage field anywhere', async () => {
    const { out } = toOpenAI('anthropic-text', false);
    await golden(out, 'anthropic-text.openai-no-usage.sse');
    expect(out).not.toContain('usage');
  });

  it('text then a tool call: tool index 0 (not block index 1), arguments streamed', async () => {
    const { out, agg } = toOpenAI('anthropic-text-then-tool');
    await golden(out, 'anthropic-text-then-tool.openai.sse');
    expect(agg.finish().choices[0]).toMatchObject({
      message: {
        content: 'Okay, let me check the weather.',
        tool_calls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '{"location": "San Francisco, CA"}' } }],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('two tool calls, the second without input deltas: it gets "{}"', async () => {
    const { out, agg } = toOpenAI('anthropic-parallel-tools');
    await golden(out, 'anthropic-parallel-tools.openai.sse');
    expect(agg.finish().choices[0]?.message.tool_calls).toEqual([
      { id: 'toolu_01AAA', type: 'function', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } },
      { id: 'toolu_01BBB', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
  });

  it('thinking: reasoning_content deltas and the signature as reasoning_signature', async () => {
    const { out, agg } = toOpenAI('anthropic-thinking');
    await golden(out, 'anthropic-thinking.openai.sse');
    expect(agg.finish().choices[0]?.message).toMatchObject({
      content: '2 + 2 = 4.',
      reasoning_content: '2 + 2 is basic arithmetic: 4.',
      reasoning_signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
    });
  });

  it('cache tokens count in prompt_tokens and cached_tokens', async () => {
    const { out, agg } = toOpenAI('anthropic-cache-usage');
    await golden(out, 'anthropic-cache-usage.openai.sse');
    expect(agg.finish().usage).toEqual({ prompt_tokens: 2012, completion_tokens: 5, total_tokens: 2017, prompt_tokens_details: { cached_tokens: 1800, cache_write_tokens: 200 } });
  });

  it('in-stream error: an OpenAI error object and nothing after it', async () => {
    const { out, agg } = toOpenAI('anthropic-error');
    await golden(out, 'anthropic-error.openai.sse');
    expect(out.endsWith('data: {"error":{"message":"Overloaded","type":"server_error","param":null,"code":null}}\n\n')).toBe(true);
    expect(() => agg.finish()).toThrow(ProxyError);
  });

  it('truncated stream: finish() adds the finish chunk, the usage chunk and [DONE]', async () => {
    const { out, agg } = toOpenAI('anthropic-truncated');
    await golden(out, 'anthropic-truncated.openai.sse');
    expect(agg.finish().choices[0]).toMatchObject({ message: { content: 'I was cut' }, finish_reason: 'stop' });
  });
});
