/**
 * The OpenAI Responses API as a client protocol, through the official SDK,
 * against an upstream of each protocol (Chat Completions and Anthropic
 * translated, Responses passed through); and Chat Completions and Anthropic
 * clients against a Responses upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const USAGE = { input: 21, output: 9 };
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hi "there"\n*** End Patch\n';

/** The conversation an upstream got, in whatever protocol it speaks. */
const conversation = (r: Recorded): any[] => r.body.messages ?? (typeof r.body.input === 'string' ? [{ role: 'user', content: r.body.input }] : r.body.input);
const toolNames = (r: Recorded): string[] => (r.body.tools ?? []).map((t: any) => t.name ?? t.function?.name);

/** One script for every upstream: a tool result → the answer; tools → a call; an image → its description. */
function script(r: Recorded): MockReply {
  const all = JSON.stringify(conversation(r));
  const last = JSON.stringify(conversation(r).at(-1));
  if (all.includes('please fail')) return { status: 400, errorMessage: 'the upstream refused this' };
  if (all.includes('cut me off')) return { text: 'This answer will be cut somewhere in the middle of it.', truncateAfter: 4 };
  if (/tool_result|function_call_output|"role":"tool"/.test(last)) return { text: 'It is sunny in Paris.', usage: USAGE };
  const names = toolNames(r);
  if (names.includes('apply_patch')) {
    return r.body.input && r.body.tools.some((t: any) => t.type === 'custom')
      ? { customCalls: [{ name: 'apply_patch', input: PATCH }], usage: USAGE }
      : { toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) }], usage: USAGE };
  }
  if (names.includes('get_weather')) return { text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: JSON.stringify({ city: 'Paris' }) }], usage: USAGE };
  if (last.includes('image')) return { text: 'A single red pixel.', usage: USAGE };
  if (last.includes('think')) return { reasoning: 'The user wants a number; 42 it is.', text: '42.', usage: USAGE };
  if (all.includes('My name is Ada') && last.includes('my name')) return { text: 'Your name is Ada.', usage: USAGE };
  if (last.includes('go on and on')) return { text: 'And on, and on, and', maxTokens: true, usage: USAGE };
  if (last.includes('Why?')) return { text: 'Because.', usage: USAGE };
  return { text: 'Hello there, friend.', usage: USAGE };
}

let oa: MockUpstream;
let an: MockUpstream;
let rs: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-up'], reply: script });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-up'], reply: script });
  rs = await startMockUpstream({ protocol: 'responses', models: ['resp-up'], reply: script });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
      { name: 'rs', type: 'openai-responses', baseURL: rs.baseURL, apiKey: 'k' },
    ],
    // every model answers for itself here: no failover to another, no cooldown after a cut stream
    router: { maxAttempts: 1, cooldownSeconds: 0 },
  });
});
afterAll(async () => {
  await px.close();
  await Promise.all([oa.close(), an.close(), rs.close()]);
});

const client = () => new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });
const weather: OpenAI.Responses.Tool[] = [
  { type: 'function', name: 'get_weather', description: 'Weather for a city', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];
const applyPatch: OpenAI.Responses.Tool[] = [{ type: 'custom', name: 'apply_patch', description: 'Applies a patch to files' }];

const UPSTREAMS = [
  ['Chat Completions', 'gpt-up', () => oa],
  ['Anthropic', 'claude-up', () => an],
  ['Responses (passthrough)', 'resp-up', () => rs],
] as const;

describe.each(UPSTREAMS)('Responses client → %s upstream', (_name, model, upstream) => {
  it('answers text', async () => {
    const r = await client().responses.create({ model, input: 'Say hello.' });
    expect(r.object).toBe('response');
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe('Hello there, friend.');
    expect(r.output[0]).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello there, friend.' }] });
  });

  it('streams text, events numbered in order', async () => {
    const s = client().responses.stream({ model, input: [{ role: 'user', content: 'Say hello.' }], instructions: 'Be kind.' });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    s.on('event', (e) => events.push(e));
    const r = await s.finalResponse();
    expect(r.output_text).toBe('Hello there, friend.');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    for (const t of ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) expect(types).toContain(t);
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBeGreaterThan(1);
    // the instructions reached the upstream
    expect(JSON.stringify(upstream().chats().at(-1)!.body)).toContain('Be kind.');
  });

  it('answers a function call', async () => {
    const r = await client().responses.create({ model, input: 'What is the weather in Paris?', tools: weather });
    const call = r.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    expect(call.call_id).toBeTruthy();
  });

  it('streams a function call with its arguments in fragments', async () => {
    const s = client().responses.stream({ model, input: 'What is the weather in Paris?', tools: weather });
    const deltas: string[] = [];
    s.on('response.function_call_arguments.delta', (e) => deltas.push(e.delta));
    const r = await s.finalResponse();
    const call = r.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(call.arguments);
  });

  it('carries a tool round trip', async () => {
    const c = client();
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await c.responses.create({ model, input, tools: weather });
    const call = first.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    const r = await c.responses.create({
      model,
      tools: weather,
      input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 24C' }],
    });
    expect(r.output_text).toBe('It is sunny in Paris.');
    expect(JSON.stringify(upstream().chats().at(-1)!.body)).toContain('sunny, 24C');
  });

  it('maps a custom (freeform) tool to custom_tool_call, stream and not', async () => {
    const r = await client().responses.create({ model, input: 'Add hello.txt', tools: applyPatch });
    const call = r.output.find((i) => i.type === 'custom_tool_call') as OpenAI.Responses.ResponseCustomToolCall;
    expect(call).toMatchObject({ name: 'apply_patch', input: PATCH });
    const s = client().responses.stream({ model, input: 'Add hello.txt', tools: applyPatch });
    const types: string[] = [];
    s.on('event', (e) => types.push(e.type));
    const streamed = await s.finalResponse();
    expect(streamed.output.find((i) => i.type === 'custom_tool_call')).toMatchObject({ name: 'apply_patch', input: PATCH });
    expect(types).toContain('response.custom_tool_call_input.done');
  });

  it('answers with a reasoning summary', async () => {
    const r = await client().responses.create({ model, input: 'think: a number?', reasoning: { effort: 'low', summary: 'auto' } });
    const reasoning = r.output.find((i) => i.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.summary[0]!.text).toBe('The user wants a number; 42 it is.');
    const s = client().responses.stream({ model, input: 'think: a number?', reasoning: { effort: 'low', summary: 'auto' } });
    const summary: string[] = [];
    s.on('response.reasoning_summary_text.delta', (e) => summary.push(e.delta));
    const streamed = await s.finalResponse();
    expect(summary.join('')).toBe('The user wants a number; 42 it is.');
    expect(streamed.output_text).toBe('42.');
  });

  it('says a response stopped at max_output_tokens is incomplete, stream and not', async () => {
    const r = await client().responses.create({ model, input: 'go on and on', max_output_tokens: 20 });
    expect(r).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(r.output_text).toBe('And on, and on, and');
    const types: string[] = [];
    const s = client().responses.stream({ model, input: 'go on and on', max_output_tokens: 20 });
    s.on('event', (e) => types.push(e.type));
    expect(await s.finalResponse()).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(types.at(-1)).toBe('response.incomplete');
    expect(upstream().chats().at(-1)!.body).toMatchObject(model === 'gpt-up' ? { max_completion_tokens: 20 } : model === 'claude-up' ? { max_tokens: 20 } : { max_output_tokens: 20 });
  });

  it('takes an image input', async () => {
    const r = await client().responses.create({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' }] }],
    });
    expect(r.output_text).toBe('A single red pixel.');
  });

  it('reports usage, stream and not', async () => {
    const r = await client().responses.create({ model, input: 'Say hello.' });
    const s = await client().responses.stream({ model, input: 'Say hello.' }).finalResponse();
    for (const u of [r.usage!, s.usage!]) {
      expect(u.input_tokens).toBe(21);
      expect(u.output_tokens).toBe(9);
      expect(u.total_tokens).toBe(30);
      expect(u.input_tokens_details.cached_tokens).toBe(0);
    }
  });

  it('answers an error before the first byte as an HTTP error in the Responses shape', async () => {
    const err = await client()
      .responses.create({ model, input: 'please fail' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('the upstream refused this');
    const streamed = await client()
      .responses.stream({ model, input: 'please fail' })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('ends a stream cut after the first byte with an error event', async () => {
    const res = await fetch(`${px.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: 'cut me off', stream: true }) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: error');
    expect(text).not.toContain('response.completed');
    const failed = await client()
      .responses.stream({ model, input: 'cut me off' })
      .finalResponse()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failed).not.toBeNull();
  });
});

describe.each(UPSTREAMS)('stored responses, %s upstream', (_name, model, upstream) => {
  it('continues a stored response by previous_response_id, stream and not', async () => {
    const c = client();
    const first = await c.responses.create({ model, input: 'My name is Ada.' });
    const second = await c.responses.create({ model, previous_response_id: first.id, input: 'What is my name?' });
    expect(second.output_text).toBe('Your name is Ada.');
    // the upstream got the whole conversation, and no id it could not know
    const sent = upstream().chats().at(-1)!.body;
    expect(JSON.stringify(sent)).toContain('My name is Ada.');
    expect(JSON.stringify(sent)).toContain('Hello there, friend.');
    expect(sent.previous_response_id).toBeUndefined();
    const third = await c.responses.stream({ model, previous_response_id: second.id, input: 'And what is my name?' }).finalResponse();
    expect(third.output_text).toBe('Your name is Ada.');
    expect(JSON.stringify(upstream().chats().at(-1)!.body)).toContain('Your name is Ada.');
  });

  it('answers GET and DELETE for a stored response, 404 for an unknown one', async () => {
    const c = client();
    const r = await c.responses.create({ model, input: 'Say hello.' });
    const got = await c.responses.retrieve(r.id);
    expect(got).toMatchObject({ id: r.id, output_text: 'Hello there, friend.' });
    const del = await fetch(`${px.url}/v1/responses/${r.id}`, { method: 'DELETE', headers: { authorization: 'Bearer x' } });
    expect(await del.json()).toEqual({ id: r.id, object: 'response', deleted: true });
    // kept answers are the caller's: another credential does not see them
    expect((await fetch(`${px.url}/v1/responses/${r.id}`, { headers: { authorization: 'Bearer y' } })).status).toBe(404);
    const gone = await c.responses.retrieve(r.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const unknown = await c.responses.create({ model, previous_response_id: 'resp_nope', input: 'Hi' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ param: 'previous_response_id', code: 'previous_response_not_found' });
  });

  it('keeps nothing with store: false', async () => {
    const c = client();
    const r = await c.responses.create({ model, input: 'Say hello.', store: false });
    expect(await c.responses.retrieve(r.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('thinking signatures through reasoning.encrypted_content (Anthropic upstream)', () => {
  it.each([false, true])('come back in the reasoning item and go back as signed thinking (stream: %s)', async (stream) => {
    const c = client();
    const ask = { model: 'claude-up', input: 'think: a number?', reasoning: { effort: 'high' as const }, include: ['reasoning.encrypted_content' as const] };
    const first = stream ? await c.responses.stream(ask).finalResponse() : await c.responses.create(ask);
    const reasoning = first.output.find((i) => i.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.encrypted_content).toBe('sig-mock');
    await c.responses.create({ model: 'claude-up', store: false, input: [{ role: 'user', content: 'think: a number?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'Why?' }] });
    const assistant = an.chats().at(-1)!.body.messages.find((m: any) => m.role === 'assistant');
    expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: 'The user wants a number; 42 it is.', signature: 'sig-mock' });
    // without include, no signature leaves the proxy
    const plain = await c.responses.create({ model: 'claude-up', input: 'think: a number?', reasoning: { effort: 'high' } });
    expect((plain.output.find((i) => i.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem).encrypted_content).toBeUndefined();
  });
});

describe('clients of other protocols → Responses upstream', () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  ];
  const chat = () => new OpenAI({ baseURL: `${px.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL: px.url, apiKey: 'x', maxRetries: 0 });
  const anthropicTools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

  it('Chat Completions: text, stream and not, with usage', async () => {
    const r = await chat().chat.completions.create({ model: 'resp-up', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Say hello.' }] });
    expect(r.choices[0]!.message.content).toBe('Hello there, friend.');
    expect(r.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });
    const sent = rs.chats().at(-1)!.body;
    expect(sent).toMatchObject({ model: 'resp-up', input: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Say hello.' }] });
    const s = await chat().chat.completions.stream({ model: 'resp-up', messages: [{ role: 'user', content: 'Say hello.' }], stream_options: { include_usage: true } }).finalChatCompletion();
    expect(s.choices[0]!.message.content).toBe('Hello there, friend.');
    expect(s.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 9 });
  });

  it('Chat Completions: tool calls, stream and not, and the round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const r = await chat().chat.completions.create({ model: 'resp-up', messages, tools });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const s = await chat().chat.completions.stream({ model: 'resp-up', messages, tools }).finalChatCompletion();
    const streamed = s.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(s.choices[0]!.finish_reason).toBe('tool_calls');
    expect(JSON.parse(streamed.function.arguments)).toEqual({ city: 'Paris' });
    const back = await chat().chat.completions.create({ model: 'resp-up', tools, messages: [...messages, r.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 24C' }] });
    expect(back.choices[0]!.message.content).toBe('It is sunny in Paris.');
    expect(rs.chats().at(-1)!.body.input).toContainEqual({ type: 'function_call_output', call_id: call.id, output: 'sunny, 24C' });
  });

  it('Anthropic: text and tools, stream and not', async () => {
    const m = await anthropic().messages.create({ model: 'resp-up', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello.' }] });
    expect(m.content).toEqual([{ type: 'text', text: 'Hello there, friend.', citations: undefined }].map(({ type, text }) => expect.objectContaining({ type, text })));
    expect(m.usage).toMatchObject({ input_tokens: 21, output_tokens: 9 });
    const s = await anthropic().messages.stream({ model: 'resp-up', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello.' }] }).finalMessage();
    expect(s.content[0]).toMatchObject({ type: 'text', text: 'Hello there, friend.' });
    expect(s.usage.output_tokens).toBe(9);
    const t = await anthropic().messages.create({ model: 'resp-up', max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    expect(t.stop_reason).toBe('tool_use');
    expect(t.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    const ts = await anthropic().messages.stream({ model: 'resp-up', max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] }).finalMessage();
    expect(ts.stop_reason).toBe('tool_use');
    expect(ts.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
  });
});
