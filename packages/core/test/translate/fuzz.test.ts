/**
 * Property-based fuzzing of the translators (fast-check): hostile or sloppy
 * input must never crash a bridge with anything but the ProxyError its
 * contract names, what a bridge returns must be valid in the target protocol,
 * and stream translators must keep valid protocol framing whatever an
 * upstream sends. Each property also checks that its runs reached the
 * branches it is about, above a floor.
 */
import { createParser } from 'eventsource-parser';
import { afterAll, describe, expect, it } from 'vitest';
// fast-check is a devDependency of the tests workspace only (core declares no test deps): load it from there
import fc from '../../../../tests/node_modules/fast-check/lib/fast-check.js';
import { ProxyError } from '../../src/errors.js';
type Protocol = 'openai' | 'anthropic';
import { AnthropicMessageSchema, AnthropicStopReasonSchema, parseAnthropicRequest } from '../../src/protocols/anthropic/types.js';
import { OpenAIChatCompletionSchema, OpenAIChunkSchema, parseOpenAIRequest } from '../../src/protocols/openai/types.js';
import type { SseEvent } from '../../src/protocols/sse.js';
import { bridge, createContext } from './helpers.js';
import { expectValidAnthropicStream, makeContext } from './helpers.js';

/** FUZZ_SCALE=10 for a longer hunt; the default keeps the file at a few seconds */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS = 400;
const params = (numRuns = RUNS) => ({ numRuns: Math.round(numRuns * SCALE) });
const TIMEOUT = 15_000 * SCALE;

// ---------------------------------------------------------------- value arbitraries

/** Strings that exercise the translators' special cases as well as random text. */
const str = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'x'.repeat(80),
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'data:image/png;base64,iVBORw0KGgo=',
      'data:image/jpg;base64,AAAA',
      'data:image/svg+xml;base64,AAAA',
      'data:application/pdf;base64,JVBERi0=',
      'data:text/plain;base64,aGk=',
      'data:,plain',
      'data:;base64,',
      'https://example.com/a.png',
      'ftp://example.com/a.png',
      'JVBERi0=',
      '{}',
      '{"a":1}',
      '[]',
      'null',
      '{"a":',
      'call with spaces',
      'toolu_01',
      'call_' + 'y'.repeat(60),
      '\u0000\ud800',
    ),
  },
);
const num = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 1, 1023, 1024, 1025, 4096, 8192, 8193, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 0.5, 1.5, -1, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const json = fc.jsonValue({ maxDepth: 3 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
/** Mostly the right shape, now and then any JSON value (a wrong type) or null. */
const noisy = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 60, arbitrary: a as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: fc.constant(null) });
const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'] as const;

/**
 * A record of the given fields, with now and then a prototype-ish own key
 * (defined as JSON.parse would: an own data property, not a prototype change).
 */
function rec(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(fc.constantFrom(...POISON_KEYS), json), { freq: 8 }))
    .map(([o, poison]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
      if (poison) Object.defineProperty(out, poison[0], { value: poison[1], enumerable: true, writable: true, configurable: true });
      return out;
    });
}
/** A record whose listed keys are (almost) always present. */
const recReq = (required: Record<string, fc.Arbitrary<unknown>>, rest: Record<string, fc.Arbitrary<unknown>> = {}) =>
  fc.tuple(fc.record(required), rec(rest)).map(([a, b]) => ({ ...b, ...a }));

const arr = <T>(a: fc.Arbitrary<T>, maxLength = 4) => fc.array(a, { maxLength });
const cacheControl = opt(noisy(recReq({ type: fc.constant('ephemeral') }, { ttl: opt(str) })));

// ---------------------------------------------------------------- OpenAI requests

const oaText = recReq({ type: fc.constant('text'), text: noisy(str) }, { cache_control: cacheControl });
const oaUserPart = fc.oneof(
  oaText,
  recReq({ type: fc.constant('image_url'), image_url: noisy(recReq({ url: noisy(str) }, { detail: opt(str) })) }),
  recReq({ type: fc.constant('file'), file: noisy(rec({ file_data: opt(noisy(str)), file_id: opt(str), filename: opt(noisy(str)) })) }),
  recReq({ type: fc.constant('input_audio'), input_audio: noisy(recReq({ data: str, format: str })) }),
).chain((part) => fc.oneof({ weight: 20, arbitrary: fc.constant(part as Record<string, unknown>) }, recReq({ type: noisy(str) })));
const oaTextContent = fc.oneof(str, arr(oaText));
const oaToolCall = recReq(
  { id: noisy(str), function: noisy(recReq({ name: noisy(str), arguments: noisy(fc.oneof(str, json.map((j) => JSON.stringify(j)))) })) },
  { type: opt(noisy(fc.constant('function'))) },
);
const oaMessage = fc.oneof(
  recReq({ role: fc.constantFrom('system', 'developer'), content: noisy(oaTextContent) }, { name: opt(str) }),
  recReq({ role: fc.constant('user'), content: noisy(fc.oneof(str, arr(oaUserPart))) }, { name: opt(str) }),
  recReq(
    { role: fc.constant('assistant') },
    {
      content: opt(noisy(fc.oneof(str, arr(fc.oneof(oaText, recReq({ type: fc.constant('refusal'), refusal: noisy(str) })))))),
      refusal: opt(noisy(str)),
      tool_calls: opt(noisy(arr(oaToolCall))),
      reasoning_content: opt(noisy(str)),
      reasoning_signature: opt(noisy(str)),
    },
  ),
  recReq({ role: fc.constant('tool'), tool_call_id: noisy(str), content: noisy(oaTextContent) }),
).chain((m) => fc.oneof({ weight: 20, arbitrary: fc.constant(m as Record<string, unknown>) }, recReq({ role: noisy(str) }, { content: json })));
const oaTool = recReq({
  type: noisy(fc.constant('function')),
  function: noisy(
    recReq(
      { name: noisy(str) },
      { description: opt(noisy(str)), parameters: opt(noisy(fc.oneof(rec({ type: fc.constant('object'), properties: json, required: json }), fc.dictionary(str, json, { maxKeys: 3 })))), strict: opt(fc.boolean()) },
    ),
  ),
});
const namedFn = recReq({ type: fc.constant('function'), function: noisy(recReq({ name: noisy(str) })) });
const oaToolChoice = fc.oneof(
  fc.constantFrom('none', 'auto', 'required'),
  namedFn,
  recReq({ type: fc.constant('allowed_tools'), allowed_tools: noisy(recReq({ mode: fc.constantFrom('auto', 'required'), tools: arr(namedFn) })) }),
  str,
);
const oaResponseFormat = fc.oneof(
  recReq({ type: fc.constantFrom('text', 'json_object') }),
  recReq({ type: fc.constant('json_schema'), json_schema: noisy(recReq({ name: str }, { schema: opt(noisy(fc.dictionary(str, json, { maxKeys: 3 }))), strict: opt(fc.boolean()) })) }),
);

export const openaiRequest = recReq(
  { model: noisy(str), messages: noisy(arr(noisy(oaMessage), 6)) },
  {
    stream: opt(noisy(fc.boolean())),
    stream_options: opt(noisy(rec({ include_usage: opt(noisy(fc.boolean())) }))),
    max_tokens: opt(noisy(num)),
    max_completion_tokens: opt(noisy(num)),
    temperature: opt(noisy(num)),
    top_p: opt(noisy(num)),
    // mostly 1: n > 1 is refused before anything else is translated
    n: opt(noisy(fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, num))),
    stop: opt(noisy(fc.oneof(str, arr(str)))),
    tools: opt(noisy(arr(oaTool))),
    tool_choice: opt(noisy(oaToolChoice)),
    parallel_tool_calls: opt(noisy(fc.boolean())),
    response_format: opt(noisy(oaResponseFormat)),
    reasoning_effort: opt(noisy(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh'))),
    user: opt(noisy(str)),
  },
);

// ---------------------------------------------------------------- Anthropic requests

const anText = recReq({ type: fc.constant('text'), text: noisy(str) }, { cache_control: cacheControl, citations: opt(arr(json)) });
const anImageSource = fc.oneof(
  recReq({ type: fc.constant('base64'), media_type: noisy(fc.oneof(str, fc.constantFrom('image/png', 'image/jpeg', 'application/pdf'))), data: noisy(str) }),
  recReq({ type: fc.constant('url'), url: noisy(str) }),
  recReq({ type: fc.constant('file'), file_id: noisy(str) }),
);
const anDocSource = fc.oneof(
  anImageSource,
  recReq({ type: fc.constant('text'), media_type: str, data: noisy(str) }),
  recReq({ type: fc.constant('content'), content: noisy(fc.oneof(str, arr(json))) }),
);
const anImage = recReq({ type: fc.constant('image'), source: noisy(anImageSource) }, { cache_control: cacheControl });
const anDoc = recReq({ type: fc.constant('document'), source: noisy(anDocSource) }, { title: opt(noisy(str)), context: opt(str), cache_control: cacheControl });
const anToolUse = recReq({ type: fc.constant('tool_use'), id: noisy(str), name: noisy(str), input: noisy(fc.dictionary(str, json, { maxKeys: 3 })) });
const anToolResult = recReq(
  { type: fc.constant('tool_result'), tool_use_id: noisy(str) },
  { content: opt(noisy(fc.oneof(str, arr(fc.oneof(anText, anImage, anDoc))))), is_error: opt(noisy(fc.boolean())) },
);
const anBlock = fc.oneof(
  anText,
  anImage,
  anDoc,
  anToolUse,
  anToolResult,
  recReq({ type: fc.constant('thinking'), thinking: noisy(str), signature: noisy(str) }),
  recReq({ type: fc.constant('redacted_thinking'), data: noisy(str) }),
).chain((b) => fc.oneof({ weight: 20, arbitrary: fc.constant(b as Record<string, unknown>) }, recReq({ type: noisy(str) })));
const anMessage = recReq({ role: noisy(fc.constantFrom('user', 'assistant', 'system')), content: noisy(fc.oneof(str, arr(noisy(anBlock), 5))) });
const anTool = recReq(
  { name: noisy(str) },
  { description: opt(noisy(str)), input_schema: opt(noisy(fc.oneof(rec({ type: fc.constant('object'), properties: json }), fc.dictionary(str, json, { maxKeys: 3 })))), type: opt(noisy(str)), cache_control: cacheControl },
);
const anToolChoice = fc.oneof(
  recReq({ type: fc.constantFrom('auto', 'any') }, { disable_parallel_tool_use: opt(noisy(fc.boolean())) }),
  recReq({ type: fc.constant('none') }),
  recReq({ type: fc.constant('tool'), name: noisy(str) }, { disable_parallel_tool_use: opt(fc.boolean()) }),
);
const anThinking = fc.oneof(
  recReq({ type: fc.constant('enabled'), budget_tokens: noisy(num) }),
  recReq({ type: fc.constantFrom('disabled', 'adaptive') }),
);

export const anthropicRequest = recReq(
  { model: noisy(str), messages: noisy(arr(noisy(anMessage), 6)) },
  {
    system: opt(noisy(fc.oneof(str, arr(anText)))),
    max_tokens: opt(noisy(num)),
    stream: opt(noisy(fc.boolean())),
    temperature: opt(noisy(num)),
    top_p: opt(noisy(num)),
    top_k: opt(noisy(num)),
    stop_sequences: opt(noisy(arr(str))),
    tools: opt(noisy(arr(anTool))),
    tool_choice: opt(noisy(anToolChoice)),
    thinking: opt(noisy(anThinking)),
    output_config: opt(noisy(rec({ format: opt(noisy(recReq({ type: fc.constant('json_schema'), schema: noisy(fc.dictionary(str, json, { maxKeys: 3 })) }))), effort: opt(noisy(fc.constantFrom('low', 'medium', 'high', 'max'))) }))),
    metadata: opt(noisy(rec({ user_id: opt(noisy(str)) }))),
  },
);

// ---------------------------------------------------------------- helpers

const PARSE: Record<Protocol, (body: unknown) => unknown> = { openai: parseOpenAIRequest, anthropic: parseAnthropicRequest };
const other = (p: Protocol): Protocol => (p === 'openai' ? 'anthropic' : 'openai');

/** Runs fn; a throw must be a ProxyError with one of the allowed statuses. Returns the value, or undefined after such a throw. */
function onlyProxyError<T>(fn: () => T, statuses: number[], what: string): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ProxyError)) throw new Error(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
    expect(statuses, `${what}: status ${e.status} (${e.message})`).toContain(e.status);
    expect(e.message).toEqual(expect.any(String));
    return undefined;
  }
}

// ---------------------------------------------------------------- request()

describe.each(['openai', 'anthropic'] as const)('%s client request → other upstream', (client) => {
  const arb = client === 'openai' ? openaiRequest : anthropicRequest;
  const upstream = other(client);

  it('the parser throws only a 400; a body that passed translates or is a 400, unmutated, into a valid upstream request', () => {
    // enough bodies must reach each step for the property to mean something
    const reached = { valid: 0, translated: 0 };
    fc.assert(
      fc.property(arb, (body) => {
        const parsed = onlyProxyError(() => PARSE[client](body), [400], 'parse');
        if (parsed === undefined) return;
        reached.valid++;
        const before = JSON.stringify(body);
        const ctx = createContext(client, body, 'target-model');
        const out = onlyProxyError(() => bridge(client, upstream).request(body, ctx), [400], 'request()');
        expect(JSON.stringify(body), 'request() must not mutate its input').toBe(before);
        if (out === undefined) return;
        reached.translated++;
        // what the pipeline sends: the translation with model and stream set; it must be a valid request upstream
        const sent = JSON.parse(JSON.stringify({ ...out, model: 'target-model', stream: body.stream === true }));
        onlyProxyError(() => PARSE[upstream](sent), [], `parse of the translated ${upstream} request ${JSON.stringify(sent).slice(0, 400)}`);
      }),
      params(),
    );
    expect(reached.valid, `${client}: valid requests`).toBeGreaterThan((RUNS * SCALE) / 8);
    expect(reached.translated, `${client}: translated requests`).toBeGreaterThan((RUNS * SCALE) / 16);
  }, TIMEOUT);
});

// ---------------------------------------------------------------- response()

const usageOA = rec({ prompt_tokens: noisy(num), completion_tokens: noisy(num), total_tokens: noisy(num), prompt_tokens_details: opt(noisy(rec({ cached_tokens: opt(noisy(num)), cache_write_tokens: opt(noisy(num)) }))) });
const openaiCompletion = rec({
  id: noisy(str),
  object: noisy(fc.constant('chat.completion')),
  created: noisy(num),
  model: noisy(str),
  choices: noisy(
    arr(
      noisy(
        rec({
          index: noisy(num),
          message: noisy(rec({ role: noisy(fc.constant('assistant')), content: opt(noisy(str)), refusal: opt(noisy(str)), tool_calls: opt(noisy(arr(noisy(oaToolCall)))), reasoning_content: opt(noisy(str)), reasoning: opt(noisy(str)), reasoning_signature: opt(noisy(str)) })),
          finish_reason: noisy(fc.oneof(str, fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', 'function_call'))),
        }),
      ),
    ),
  ),
  usage: opt(noisy(usageOA)),
});
const usageAN = rec({ input_tokens: noisy(num), output_tokens: noisy(num), cache_read_input_tokens: opt(noisy(num)), cache_creation_input_tokens: opt(noisy(num)) });
const anthropicMessage = rec({
  id: noisy(str),
  type: noisy(fc.constant('message')),
  role: noisy(fc.constant('assistant')),
  model: noisy(str),
  content: noisy(arr(noisy(fc.oneof(anText, anToolUse, recReq({ type: fc.constant('thinking'), thinking: noisy(str), signature: noisy(str) }), recReq({ type: fc.constant('redacted_thinking'), data: str }), recReq({ type: noisy(str) }))), 5)),
  stop_reason: noisy(fc.oneof(str, fc.constantFrom('end_turn', 'max_tokens', 'tool_use', 'refusal', 'stop_sequence', 'pause_turn', 'model_context_window_exceeded'))),
  stop_sequence: opt(noisy(str)),
  usage: noisy(usageAN),
});

/** It goes out as JSON, and the client reads the same value: finite numbers, no undefined in arrays; `skip` is left unchecked. */
function expectJsonSafe(v: unknown, skip?: string, path = '$'): void {
  if (path === skip) return;
  if (typeof v === 'number') expect(Number.isFinite(v), `${path} = ${v}`).toBe(true);
  else if (Array.isArray(v)) v.forEach((x, i) => (expect(x, `${path}[${i}]`).not.toBeUndefined(), expectJsonSafe(x, skip, `${path}[${i}]`)));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) expectJsonSafe(x, skip, `${path}.${k}`);
  else expect(['string', 'boolean', 'undefined'].includes(typeof v) || v === null, `${path} is a ${typeof v}`).toBe(true);
}

/** Usage counters are held to [0, 2^53) before they are added: every answer's usage is checked. */
const hugeCounters = (_value: unknown) => false;

/** What a client's SDK reads of a non-stream OpenAI answer, and more: one choice, an assistant message, numeric usage. */
function expectOpenAICompletion(out: any, model: string, checkUsage: boolean): void {
  expect(OpenAIChatCompletionSchema.safeParse(checkUsage ? out : { ...out, usage: null }).success, 'passes the chat.completion schema').toBe(true);
  expect(out).toMatchObject({ object: 'chat.completion', created: expect.any(Number), model });
  expect(out.id).toMatch(/^chatcmpl-/);
  expect(out.choices).toHaveLength(1);
  const [choice] = out.choices;
  expect(choice).toMatchObject({ index: 0, logprobs: null, message: { role: 'assistant', refusal: null } });
  expect(['stop', 'length', 'tool_calls', 'content_filter']).toContain(choice.finish_reason);
  expect(choice.message.content === null || typeof choice.message.content === 'string').toBe(true);
  for (const call of choice.message.tool_calls ?? []) {
    expect(call).toMatchObject({ id: expect.any(String), type: 'function', function: { name: expect.any(String), arguments: expect.any(String) } });
    expect(call.id.length).toBeLessThanOrEqual(40);
    expect(JSON.parse(call.function.arguments)).toEqual(expect.any(Object));
  }
  if (checkUsage) expect(out.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
}

/** What a client's SDK reads of a non-stream Anthropic answer, and more: known blocks, a known stop_reason, numeric usage. */
function expectAnthropicMessage(out: any, model: string, checkUsage: boolean): void {
  expect(AnthropicMessageSchema.safeParse(checkUsage ? out : { ...out, usage: null }).success, 'passes the message schema').toBe(true);
  expect(out).toMatchObject({ type: 'message', role: 'assistant', model, stop_sequence: null });
  expect(out.id).toMatch(/^msg_/);
  expect(AnthropicStopReasonSchema.safeParse(out.stop_reason).success, `stop_reason ${out.stop_reason}`).toBe(true);
  for (const block of out.content) {
    if (block.type === 'text') expect(block.text).toEqual(expect.any(String));
    else if (block.type === 'thinking') expect(block).toMatchObject({ thinking: expect.any(String), signature: expect.any(String) });
    else {
      expect(block.type).toBe('tool_use');
      expect(block.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(block.name).toEqual(expect.any(String));
      expect(block.input).toEqual(expect.any(Object));
      expect(Array.isArray(block.input)).toBe(false);
    }
  }
  if (checkUsage) expect(out.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
}

describe.each(['openai', 'anthropic'] as const)('%s upstream response → other client', (upstream) => {
  const client = other(upstream);
  const shaped = upstream === 'openai' ? openaiCompletion : anthropicMessage;
  const upstreamSchema = upstream === 'openai' ? OpenAIChatCompletionSchema : AnthropicMessageSchema;

  it('a 502 exactly when the upstream answer cannot be read; anything else becomes a well-formed client answer', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped), fc.boolean(), (value, useUsage) => {
        const ctx = makeContext({ includeUsage: useUsage });
        const out = onlyProxyError(() => bridge(client, upstream).response(value, ctx), [502], 'response()');
        // what the upstream protocol's schema accepts is translated; only what it refuses is a 502
        expect(out !== undefined, `answered: ${JSON.stringify(value)?.slice(0, 400)}`).toBe(upstreamSchema.safeParse(value).success);
        if (out === undefined) return;
        answered++;
        const checkUsage = !hugeCounters(value);
        expectJsonSafe(out, checkUsage ? undefined : '$.usage');
        if (client === 'openai') expectOpenAICompletion(out, ctx.model, checkUsage);
        else expectAnthropicMessage(out, ctx.model, checkUsage);
      }),
      params(),
    );
    // about a quarter of the runs are answers the schema takes (measured 44–110 of 400): a floor well below that
    expect(answered, 'answers translated').toBeGreaterThan((RUNS * SCALE) / 20);
  }, TIMEOUT);
});

// ---------------------------------------------------------------- stream()

const oaDelta = rec({
  role: opt(noisy(fc.constant('assistant'))),
  content: opt(noisy(str)),
  refusal: opt(noisy(str)),
  reasoning_content: opt(noisy(str)),
  reasoning: opt(noisy(str)),
  reasoning_signature: opt(noisy(str)),
  tool_calls: opt(
    noisy(
      arr(
        noisy(
          rec({
            index: opt(noisy(fc.integer({ min: -1, max: 3 }))),
            id: opt(noisy(str)),
            type: opt(noisy(fc.constant('function'))),
            function: opt(noisy(rec({ name: opt(noisy(str)), arguments: opt(noisy(fc.oneof(str, fc.constantFrom('{"a":', '1}', '{}', '{"q":"x"}', '[1]')))) }))),
          }),
        ),
      ),
    ),
  ),
});
const oaChunk = rec({
  id: opt(noisy(str)),
  object: opt(fc.constant('chat.completion.chunk')),
  choices: opt(noisy(arr(noisy(rec({ index: opt(noisy(num)), delta: opt(noisy(oaDelta)), finish_reason: opt(noisy(fc.oneof(str, fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter')))) })), 2))),
  usage: opt(noisy(usageOA)),
  error: opt(noisy(rec({ message: opt(noisy(str)), type: opt(noisy(fc.oneof(str, fc.constantFrom('server_error', 'rate_limit_exceeded', 'invalid_request_error')))), code: opt(noisy(fc.oneof(str, num))) }))),
});

const anDeltaBlock = fc.oneof(
  recReq({ type: fc.constant('text_delta'), text: noisy(str) }),
  recReq({ type: fc.constant('input_json_delta'), partial_json: noisy(fc.oneof(str, fc.constantFrom('{"a":', '1}', '{}'))) }),
  recReq({ type: fc.constant('thinking_delta'), thinking: noisy(str) }),
  recReq({ type: fc.constant('signature_delta'), signature: noisy(str) }),
  recReq({ type: noisy(str) }),
);
const anIndex = noisy(fc.integer({ min: -1, max: 4 }));
const anEvent = fc.oneof(
  recReq({ type: fc.constant('message_start'), message: noisy(rec({ id: str, type: fc.constant('message'), usage: opt(noisy(usageAN)), content: arr(json) })) }),
  recReq({ type: fc.constant('content_block_start'), index: anIndex, content_block: noisy(fc.oneof(anText, anToolUse, recReq({ type: fc.constant('thinking'), thinking: noisy(str), signature: noisy(str) }), recReq({ type: noisy(str) }))) }),
  recReq({ type: fc.constant('content_block_delta'), index: anIndex, delta: noisy(anDeltaBlock) }),
  recReq({ type: fc.constant('content_block_stop'), index: anIndex }),
  recReq({ type: fc.constant('message_delta'), delta: noisy(rec({ stop_reason: opt(noisy(str)), stop_sequence: opt(noisy(str)) })), usage: opt(noisy(rec({ output_tokens: noisy(num), input_tokens: opt(noisy(num)) }))) }),
  recReq({ type: fc.constantFrom('message_stop', 'ping') }),
  recReq({ type: fc.constant('error'), error: noisy(rec({ type: opt(noisy(fc.oneof(str, fc.constantFrom('overloaded_error', 'api_error')))), message: opt(noisy(str)) })) }),
);

/** One upstream SSE event: plausible ones, truncated ones, junk, `[DONE]`. */
function sseEvents(upstream: Protocol): fc.Arbitrary<SseEvent[]> {
  const plausible = (upstream === 'openai' ? oaChunk : anEvent) as fc.Arbitrary<Record<string, unknown>>;
  const eventName = opt(
    fc.oneof(
      fc.constantFrom('message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error', ''),
      fc.string({ maxLength: 8 }),
    ),
  );
  const data = fc.oneof(
    { weight: 10, arbitrary: plausible.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.tuple(plausible, fc.nat()).map(([o, n]) => { const s = JSON.stringify(o); return s.slice(0, n % (s.length + 1)); }) },
    { weight: 1, arbitrary: fc.constantFrom('[DONE]', ' [DONE] ', '', '{}', 'null', '[]', '42', '"x"', '{"type":"error"}', '{"error":"x"}', '{"error":{"message":{"toString":1}}}', '{"type":"error","error":{"message":{"toString":1}}}', '{"error":{"type":"constructor"}}', '{"type":"error","error":{"type":"__proto__"}}') },
    { weight: 1, arbitrary: json.map((j) => JSON.stringify(j) ?? '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
  // mostly "event matches data type" for Anthropic, like the real wire
  const event = fc.tuple(eventName, data, fc.boolean()).map(([name, d, matching]): SseEvent => {
    if (upstream === 'anthropic' && matching) {
      try {
        const t = (JSON.parse(d) as { type?: unknown })?.type;
        if (typeof t === 'string') return { event: t, data: d };
      } catch {
        /* junk data: keep the random name */
      }
    }
    return { event: name, data: d };
  });
  return fc.array(event, { maxLength: 25 });
}

interface Frame {
  event: string | undefined;
  data: string;
}
const framesOf = (text: string): Frame[] => {
  const out: Frame[] = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event, data: e.data }) });
  parser.feed(text);
  return out;
};

/** Anthropic framing: every frame has an `event:` line naming its JSON data's type; ends with message_stop or an error. */
function expectAnthropicFraming(text: string): void {
  expect(text.endsWith('\n\n'), 'output ends a frame').toBe(true);
  const frames = framesOf(text);
  expect(frames.length).toBeGreaterThan(0);
  for (const f of frames) {
    expect(f.event, `frame without an event line: ${f.data}`).toEqual(expect.any(String));
    const data = JSON.parse(f.data) as { type?: unknown };
    expect(data.type).toBe(f.event);
  }
  expect(['message_stop', 'error']).toContain(frames.at(-1)!.event);
  // nothing after the end
  expect(frames.filter((f) => f.event === 'message_stop' || f.event === 'error').length).toBe(1);
}

/** OpenAI framing: `data:` lines only, JSON chunks, ending with `[DONE]` (or an error object ending the stream). */
function expectOpenAIFraming(text: string): void {
  expect(text.endsWith('\n\n'), 'output ends a frame').toBe(true);
  for (const line of text.split('\n')) expect(line === '' || line.startsWith('data: '), `not a data line: ${line}`).toBe(true);
  const frames = framesOf(text);
  expect(frames.length).toBeGreaterThan(0);
  for (const f of frames) expect(f.event).toBeUndefined();
  const last = frames.at(-1)!;
  if (last.data !== '[DONE]') expect((JSON.parse(last.data) as { error?: { message?: unknown } }).error?.message, `last frame: ${last.data}`).toEqual(expect.any(String));
  for (const f of frames.slice(0, -1)) {
    expect(f.data).not.toBe('[DONE]');
    const chunk = JSON.parse(f.data) as { error?: unknown; object?: unknown };
    expect(chunk.error, 'an error frame ends the stream').toBeUndefined();
    expect(chunk.object).toBe('chat.completion.chunk');
  }
}

describe.each(['openai', 'anthropic'] as const)('%s upstream stream → other client', (upstream) => {
  const client = other(upstream);

  /** the client's frame carrying a piece of the answer (text, reasoning, tool arguments) */
  const carriesContent = client === 'anthropic' ? (f: Frame) => f.event === 'content_block_delta' : (f: Frame) => /^\{[^]*"delta":\{"(content|reasoning_content|tool_calls)"/.test(f.data);
  /** the frame that ends the client stream: its end marker, or an error */
  const ends = client === 'anthropic' ? (f: Frame) => f.event === 'message_stop' || f.event === 'error' : (f: Frame) => f.data === '[DONE]' || f.data.startsWith('{"error":');

  it('push() never throws and push…finish() is valid framing', () => {
    let withContent = 0;
    fc.assert(
      fc.property(sseEvents(upstream), fc.boolean(), (events, includeUsage) => {
        const t = bridge(client, upstream).stream(makeContext({ includeUsage }));
        let out = '';
        for (const e of events) {
          const piece = t.push(e);
          expect(typeof piece).toBe('string');
          out += piece;
        }
        out += t.finish();
        // finish() is idempotent: the pipeline may reach it after an in-stream error
        expect(t.finish()).toBe('');
        if (client === 'anthropic') expectAnthropicFraming(out);
        else expectOpenAIFraming(out);
        if (framesOf(out).some(carriesContent)) withContent++;
      }),
      params(600),
    );
    // garbage aside, enough of the generated streams carry an answer through
    expect(withContent, 'streams that carried content to the client').toBeGreaterThan((600 * SCALE) / 30);
  }, TIMEOUT);

  it('fail() after any prefix ends the stream with one error frame carrying the message, or nothing once it had ended', () => {
    const reached = { open: 0, ended: 0 };
    fc.assert(
      fc.property(sseEvents(upstream), fc.integer({ min: 400, max: 599 }), str, (events, status, message) => {
        const t = bridge(client, upstream).stream(makeContext());
        let out = '';
        for (const e of events) out += t.push(e);
        const endedBefore = framesOf(out).some(ends);
        const failed = t.fail(status, message);
        expect(t.finish(), 'nothing after the error').toBe('');
        expect(t.fail(status, message), 'one error at most').toBe('');
        if (endedBefore) {
          reached.ended++;
          expect(failed, 'the stream had ended: nothing to add').toBe('');
          return;
        }
        reached.open++;
        const frames = framesOf(failed);
        expect(frames, failed).toHaveLength(1);
        const error = JSON.parse(frames[0]!.data) as { type?: string; error: { message: string; type: string } };
        expect(error.error).toMatchObject({ message, type: expect.any(String) });
        if (client === 'anthropic') expect([frames[0]!.event, error.type]).toEqual(['error', 'error']);
        else expect(frames[0]!.event).toBeUndefined();
        const whole = out + failed;
        if (client === 'anthropic') expectAnthropicFraming(whole);
        else expectOpenAIFraming(whole);
      }),
      params(200),
    );
    // both branches are reached: streams still open, and streams the upstream had already ended
    expect(reached.open, JSON.stringify(reached)).toBeGreaterThan((200 * SCALE) / 10);
    expect(reached.ended, JSON.stringify(reached)).toBeGreaterThan((200 * SCALE) / 10);
  }, TIMEOUT);
});

it('well-typed OpenAI chunks in any order and split give a stream the Anthropic SDK accepts', () => {
  // garbage aside, the state machine itself: any sequence of schema-valid chunks (text, reasoning, interleaved tool
  // fragments, finish_reason anywhere, usage before or after it, [DONE] or EOF) → sequential blocks, message_stop last
  const chunk = oaChunk.filter((c) => OpenAIChunkSchema.safeParse(c).success && !c.error).map((c): SseEvent => ({ data: JSON.stringify(c) }));
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 20 }), fc.boolean(), (events, done) => {
      const t = bridge('anthropic', 'openai').stream(makeContext());
      let out = '';
      for (const e of events) out += t.push(e);
      if (done) out += t.push({ data: '[DONE]' });
      expectValidAnthropicStream(out + t.finish());
    }),
    params(250),
  );
}, TIMEOUT);

afterAll(() => {
  // nothing above may have written through a `__proto__` key
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'a', 'type', 'x']) expect(probe[k], `Object.prototype.${k}`).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
});
