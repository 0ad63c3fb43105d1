/**
 * The translation matrix end to end: every client library against an upstream
 * of each protocol, through the real HTTP surface. Same-protocol pairs pass
 * bytes through; the other two pairs are translated both ways.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

// the AI SDK warns that mock model ids are unknown to it; that is expected here
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WEATHER = { city: 'Paris' };
const USAGE = { input: 21, output: 9 };

/** The same script in both upstreams: tool result → final answer; tools → a call; image → description. */
function script(r: Recorded): MockReply {
  const last = JSON.stringify(r.body.messages.at(-1));
  if (last.includes('tool_result') || r.body.messages.at(-1).role === 'tool') return { text: 'It is sunny in Paris.', usage: USAGE };
  if (r.body.tools?.length) return { text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: JSON.stringify(WEATHER) }], usage: USAGE };
  if (last.includes('image')) return { text: 'A single red pixel.', usage: USAGE };
  return { text: 'Hello there, friend.', usage: USAGE };
}

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-up'], reply: script });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-up'], reply: script });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
    ],
  });
});
afterAll(async () => {
  await px.close();
  await oa.close();
  await an.close();
});

interface Driver {
  text(model: string): Promise<string>;
  streamText(model: string): Promise<string>;
  toolCall(model: string): Promise<{ name: string; args: unknown }>;
  streamToolCall(model: string): Promise<{ name: string; args: unknown }>;
  roundTrip(model: string): Promise<string>;
  image(model: string): Promise<string>;
  usage(model: string): Promise<{ input: number; output: number }>;
}

const ask = 'Say hello.';
const weatherQ = 'What is the weather in Paris?';

const openaiTools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];
const anthropicTools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

const openaiSdk = (): Driver => {
  const c = new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });
  return {
    text: async (model) => (await c.chat.completions.create({ model, messages: [{ role: 'user', content: ask }] })).choices[0]!.message.content!,
    streamText: async (model) => (await c.chat.completions.stream({ model, messages: [{ role: 'user', content: ask }] }).finalChatCompletion()).choices[0]!.message.content!,
    toolCall: async (model) => {
      const r = await c.chat.completions.create({ model, messages: [{ role: 'user', content: weatherQ }], tools: openaiTools });
      expect(r.choices[0]!.finish_reason).toBe('tool_calls');
      const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      return { name: call.function.name, args: JSON.parse(call.function.arguments) };
    },
    streamToolCall: async (model) => {
      const r = await c.chat.completions.stream({ model, messages: [{ role: 'user', content: weatherQ }], tools: openaiTools }).finalChatCompletion();
      expect(r.choices[0]!.finish_reason).toBe('tool_calls');
      const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      return { name: call.function.name, args: JSON.parse(call.function.arguments) };
    },
    roundTrip: async (model) => {
      const first = await c.chat.completions.create({ model, messages: [{ role: 'user', content: weatherQ }], tools: openaiTools });
      const msg = first.choices[0]!.message;
      const call = msg.tool_calls![0]!;
      const r = await c.chat.completions.create({
        model,
        tools: openaiTools,
        messages: [{ role: 'user', content: weatherQ }, msg, { role: 'tool', tool_call_id: call.id, content: 'sunny, 24C' }],
      });
      return r.choices[0]!.message.content!;
    },
    image: async (model) =>
      (
        await c.chat.completions.create({
          model,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }],
        })
      ).choices[0]!.message.content!,
    usage: async (model) => {
      const r = await c.chat.completions.stream({ model, messages: [{ role: 'user', content: ask }], stream_options: { include_usage: true } }).finalChatCompletion();
      const n = await c.chat.completions.create({ model, messages: [{ role: 'user', content: ask }] });
      expect(n.usage).toMatchObject({ prompt_tokens: r.usage!.prompt_tokens, completion_tokens: r.usage!.completion_tokens });
      return { input: r.usage!.prompt_tokens, output: r.usage!.completion_tokens };
    },
  };
};

const anthropicSdk = (): Driver => {
  const c = new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
  const textOf = (m: Anthropic.Message) => m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const toolOf = (m: Anthropic.Message) => {
    expect(m.stop_reason).toBe('tool_use');
    const b = m.content.find((x) => x.type === 'tool_use') as Anthropic.ToolUseBlock;
    return { name: b.name, args: b.input };
  };
  return {
    text: async (model) => textOf(await c.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: ask }] })),
    streamText: async (model) => textOf(await c.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: ask }] }).finalMessage()),
    toolCall: async (model) => toolOf(await c.messages.create({ model, max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: weatherQ }] })),
    streamToolCall: async (model) => toolOf(await c.messages.stream({ model, max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: weatherQ }] }).finalMessage()),
    roundTrip: async (model) => {
      const first = await c.messages.create({ model, max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: weatherQ }] });
      const use = first.content.find((x) => x.type === 'tool_use') as Anthropic.ToolUseBlock;
      const r = await c.messages.create({
        model,
        max_tokens: 100,
        tools: anthropicTools,
        messages: [
          { role: 'user', content: weatherQ },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 24C' }] },
        ],
      });
      return textOf(r);
    },
    image: async (model) =>
      textOf(
        await c.messages.create({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }],
        }),
      ),
    usage: async (model) => {
      const s = await c.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: ask }] }).finalMessage();
      const n = await c.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: ask }] });
      expect(n.usage).toMatchObject({ input_tokens: s.usage.input_tokens, output_tokens: s.usage.output_tokens });
      return { input: s.usage.input_tokens, output: s.usage.output_tokens };
    },
  };
};

const weatherTool = tool({
  description: 'Weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
});

const vercel = (kind: 'openai' | 'anthropic'): Driver => {
  const m = (id: string) => (kind === 'openai' ? createOpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x' }).chat(id) : createAnthropic({ baseURL: `${px.url}/v1`, apiKey: 'x' })(id));
  const imageMsg: ModelMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', image: Buffer.from(PNG, 'base64'), mediaType: 'image/png' }] }];
  return {
    text: async (model) => (await generateText({ model: m(model), prompt: ask, maxRetries: 0 })).text,
    streamText: async (model) => {
      const r = streamText({ model: m(model), prompt: ask, maxRetries: 0, onError: ({ error }) => { throw error; } });
      return await r.text;
    },
    toolCall: async (model) => {
      const r = await generateText({ model: m(model), prompt: weatherQ, tools: { get_weather: weatherTool }, maxRetries: 0 });
      expect(r.finishReason).toBe('tool-calls');
      return { name: r.toolCalls[0]!.toolName, args: r.toolCalls[0]!.input };
    },
    streamToolCall: async (model) => {
      const r = streamText({ model: m(model), prompt: weatherQ, tools: { get_weather: weatherTool }, maxRetries: 0 });
      const calls = await r.toolCalls;
      expect(await r.finishReason).toBe('tool-calls');
      return { name: calls[0]!.toolName, args: calls[0]!.input };
    },
    roundTrip: async (model) => {
      const r = await generateText({
        model: m(model),
        prompt: weatherQ,
        tools: { get_weather: tool({ ...weatherTool, execute: async () => 'sunny, 24C' }) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(r.steps.length).toBe(2);
      return r.text;
    },
    image: async (model) => (await generateText({ model: m(model), messages: imageMsg, maxRetries: 0 })).text,
    usage: async (model) => {
      const s = streamText({ model: m(model), prompt: ask, maxRetries: 0 });
      await s.text;
      const u = await s.usage;
      const g = await generateText({ model: m(model), prompt: ask, maxRetries: 0 });
      expect(g.usage.inputTokens).toBe(u.inputTokens);
      expect(g.usage.outputTokens).toBe(u.outputTokens);
      return { input: u.inputTokens!, output: u.outputTokens! };
    },
  };
};

const drivers: [string, 'openai' | 'anthropic', () => Driver][] = [
  ['openai SDK', 'openai', openaiSdk],
  ['@anthropic-ai/sdk', 'anthropic', anthropicSdk],
  ['ai + @ai-sdk/openai .chat()', 'openai', () => vercel('openai')],
  ['ai + @ai-sdk/anthropic', 'anthropic', () => vercel('anthropic')],
];
const upstreams: [string, 'openai' | 'anthropic', string][] = [
  ['OpenAI upstream', 'openai', 'gpt-up'],
  ['Anthropic upstream', 'anthropic', 'claude-up'],
];

describe.each(drivers)('%s client', (_name, clientProtocol, make) => {
  describe.each(upstreams)('→ %s', (_u, upstreamProtocol, model) => {
    const mock = () => (upstreamProtocol === 'openai' ? oa : an);
    const last = () => mock().chats().at(-1)!.body;

    it('text', async () => {
      expect(await make().text(model)).toBe('Hello there, friend.');
      expect(last().stream ?? false).toBe(false);
      if (upstreamProtocol === 'anthropic') expect(typeof last().max_tokens).toBe('number');
    });

    it('streamed text', async () => {
      expect(await make().streamText(model)).toBe('Hello there, friend.');
      expect(last().stream).toBe(true);
      // an Anthropic client needs usage in its stream, so an OpenAI upstream is always asked for it
      if (clientProtocol === 'anthropic' && upstreamProtocol === 'openai') expect(last().stream_options).toEqual({ include_usage: true });
    });

    it('tool call', async () => {
      expect(await make().toolCall(model)).toEqual({ name: 'get_weather', args: WEATHER });
      const tools = last().tools;
      if (upstreamProtocol === 'anthropic') expect(tools[0]).toMatchObject({ name: 'get_weather', input_schema: { type: 'object' } });
      else expect(tools[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } });
    });

    it('streamed tool call', async () => {
      expect(await make().streamToolCall(model)).toEqual({ name: 'get_weather', args: WEATHER });
    });

    it('tool round trip', async () => {
      expect(await make().roundTrip(model)).toBe('It is sunny in Paris.');
      const msgs = last().messages;
      if (upstreamProtocol === 'anthropic') {
        const use = msgs.at(-2).content.find((b: { type: string }) => b.type === 'tool_use');
        const result = msgs.at(-1).content.find((b: { type: string }) => b.type === 'tool_result');
        expect(msgs.at(-1).role).toBe('user');
        expect(result.tool_use_id).toBe(use.id);
        expect(use.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      } else {
        const call = msgs.at(-2).tool_calls[0];
        expect(msgs.at(-1)).toMatchObject({ role: 'tool', tool_call_id: call.id });
        expect(call.id.length).toBeLessThanOrEqual(40);
        expect(JSON.parse(call.function.arguments)).toEqual(WEATHER);
      }
    });

    it('image', async () => {
      expect(await make().image(model)).toBe('A single red pixel.');
      const parts = last().messages.at(-1).content;
      if (upstreamProtocol === 'anthropic') expect(parts).toContainEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
      else expect(parts).toContainEqual(expect.objectContaining({ type: 'image_url', image_url: expect.objectContaining({ url: `data:image/png;base64,${PNG}` }) }));
    });

    it('usage', async () => {
      expect(await make().usage(model)).toEqual({ input: USAGE.input, output: USAGE.output });
    });
  });
});
