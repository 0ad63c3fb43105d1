/**
 * Hostile clients: property-based fuzzing (fast-check) of a real running proxy
 * with an OpenAI and an Anthropic mock upstream, so passthrough and both
 * translation directions run. The mocks answer 200 to whatever reaches them,
 * so ANY 5xx is the proxy's bug. Properties: never a 5xx, never a connection
 * reset; every 4xx is JSON in the route's protocol; every 200 is a complete
 * answer in the route's protocol; afterwards the proxy still serves and
 * Object.prototype is untouched. Beyond those, each property asserts what its
 * family of inputs must get (a 400 saying why, passthrough as is, the same
 * answer with and without hostile keys…) and that its runs reached the
 * branches it is about, above a floor.
 */
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

type Route = '/v1/chat/completions' | '/v1/messages' | '/v1/messages/count_tokens';
type Shape = 'openai' | 'anthropic';

const OPENAI_MODELS = ['gpt-a', 'gpt-b'];
const ANTHROPIC_MODELS = ['claude-a', 'claude-b'];
const ROUTES: Route[] = ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens'];
const routeProtocol = (r: Route): Shape => (r === '/v1/chat/completions' ? 'openai' : 'anthropic');

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;
let agent: Agent;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: OPENAI_MODELS });
  an = await startMockUpstream({ protocol: 'anthropic', models: ANTHROPIC_MODELS });
  px = await startProxy({
    limits: { maxBodyBytes: 4 * 1024 * 1024 },
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k1' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k2' },
    ],
  });
  agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
});

afterAll(async () => {
  await agent?.close();
  await px?.close();
  await oa?.close();
  await an?.close();
});

// ---------------------------------------------------------------- sending and checking

interface Sent {
  route: Route;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** One answer that passed the checks every answer must pass, for a property to assert on. */
interface Answer {
  status: number;
  protocol: Shape;
  /** the parsed body (null for a stream) */
  json: any;
  stream: boolean;
  /** for a 200 from a chat route: answered by the route protocol's own upstream, or translated */
  via?: 'passthrough' | 'translated';
}

/** What the answers of a run reached, so a green run means something: statuses, and 200s by path. */
interface Tally {
  runs: number;
  status: Record<number, number>;
  passthrough: number;
  translated: number;
  streams: number;
}
const newTally = (): Tally => ({ runs: 0, status: {}, passthrough: 0, translated: 0, streams: 0 });
function count(t: Tally, a: Answer): void {
  t.runs++;
  t.status[a.status] = (t.status[a.status] ?? 0) + 1;
  if (a.via) t[a.via]++;
  if (a.stream) t.streams++;
}

const failures: string[] = [];
/** every run of every property, for the closing check */
const tally = newTally();

/** Sends one request and checks what every answer must be; throws (with the request) on any violation. */
async function check({ route, body, headers = { 'content-type': 'application/json' } }: Sent): Promise<Answer> {
  const show = () => `${route} ${typeof body === 'string' ? body.slice(0, 600) : `<${body.length} bytes> ${body.toString('latin1', 0, 300)}`}`;
  let status: number;
  let contentType: string;
  let text: string;
  let answeredBy: string | undefined;
  try {
    const res = await request(px.url + route, { method: 'POST', body, headers, dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
    status = res.statusCode;
    answeredBy = res.headers['x-ones-provider'] as string | undefined;
    contentType = String(res.headers['content-type'] ?? '');
    text = await res.body.text();
  } catch (e) {
    // a reset, a truncated body, a timeout: never acceptable
    throw new Error(`transport failure ${(e as Error).message} (${(e as { code?: string }).code}) for ${show()}`);
  }
  const fail = (why: string) => {
    const msg = `${why}\n  request: ${show()}\n  answer ${status}: ${text.slice(0, 600)}`;
    failures.push(msg);
    throw new Error(msg);
  };
  const protocol = routeProtocol(route);
  if (status >= 500) fail('5xx: the mocks answer 200, so this is the proxy');
  if (status >= 400) {
    if (!contentType.includes('application/json')) fail(`4xx with content-type ${contentType}`);
    let j: any;
    try {
      j = JSON.parse(text);
    } catch {
      fail('4xx body is not JSON');
    }
    const ok =
      protocol === 'openai'
        ? typeof j?.error?.message === 'string' && typeof j.error.type === 'string' && 'param' in j.error && 'code' in j.error
        : j?.type === 'error' && typeof j.error?.type === 'string' && typeof j.error.message === 'string';
    if (!ok) fail(`4xx body is not in the ${protocol} error shape`);
    return { status, protocol, json: j, stream: false };
  }
  if (status !== 200) fail(`unexpected status ${status}`);
  const via = route.endsWith('count_tokens') || !answeredBy ? undefined : answeredBy === (protocol === 'openai' ? 'oa' : 'an') ? 'passthrough' : 'translated';
  if (contentType.includes('text/event-stream')) {
    if (route.endsWith('count_tokens')) fail('count_tokens answered a stream');
    checkStream(protocol, text, fail);
    return { status, protocol, json: null, stream: true, via };
  }
  let j: any;
  try {
    j = JSON.parse(text);
  } catch {
    fail('200 body is not JSON');
  }
  if (route.endsWith('count_tokens')) {
    if (typeof j?.input_tokens !== 'number') fail('count_tokens without input_tokens');
  } else if (protocol === 'openai') {
    if (j?.object !== 'chat.completion' || !Array.isArray(j.choices)) fail('200 is not a chat.completion');
  } else if (j?.type !== 'message' || !Array.isArray(j.content)) fail('200 is not a message');
  return { status, protocol, json: j, stream: false, via };
}

/** A complete stream in the route's protocol, without an in-stream error (the mocks never fail). */
function checkStream(protocol: Shape, text: string, fail: (why: string) => never): void {
  const frames = text.split('\n\n').filter((f) => f.trim() !== '');
  if (frames.length === 0) fail('empty stream');
  for (const frame of frames) {
    const lines = frame.split('\n');
    if (lines[0]!.startsWith(':')) continue; // keep-alive comment
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
    if (data === undefined) fail(`frame without data: ${frame}`);
    if (protocol === 'anthropic' && !event) fail(`anthropic frame without event: ${frame}`);
    if (event === 'error' || (data !== '[DONE]' && /^\{"(error|type":"error)"/.test(data!))) fail(`in-stream error: ${frame}`);
    if (data !== '[DONE]') {
      try {
        JSON.parse(data!);
      } catch {
        fail(`frame data is not JSON: ${frame}`);
      }
    }
  }
  const last = frames.at(-1)!;
  if (protocol === 'openai' && last !== 'data: [DONE]') fail('openai stream does not end with [DONE]');
  if (protocol === 'anthropic' && !last.startsWith('event: message_stop')) fail('anthropic stream does not end with message_stop');
}

/** The error of a 4xx answer, whichever protocol's shape it is in (check() verified the shape). */
const errorOf = (a: Answer): { type: string; message: string } => a.json.error;

/** A 400 in the route's protocol, for a request the client got wrong; `says` what its message must name. */
function expectBadRequest(a: Answer, says?: RegExp): void {
  expect(a.status, JSON.stringify(a.json)).toBe(400);
  expect(errorOf(a).type).toBe('invalid_request_error');
  if (says) expect(errorOf(a).message).toMatch(says);
}

/** FUZZ_SCALE=10 for a longer hunt (raise the test timeout too); the default keeps the file well under 30 s */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Runs the property: every answer passes check(), then `expectOf` (what this input family must get); returns the run's tally. */
async function run<T extends Sent>(arb: fc.Arbitrary<T>, numRuns: number, expectOf: (sent: T, a: Answer) => void | Promise<void> = () => {}): Promise<Tally> {
  const mine = newTally();
  await fc.assert(
    fc.asyncProperty(arb, async (sent) => {
      const a = await check(sent);
      count(mine, a);
      count(tally, a);
      await expectOf(sent, a);
    }),
    { numRuns: Math.round(numRuns * SCALE) },
  );
  return mine;
}
/** At least this share of a run's cases (fast-check may add shrinking runs: the floor is of the runs asked for). */
const share = (numRuns: number, fraction: number) => Math.floor(numRuns * SCALE * fraction);

// ---------------------------------------------------------------- generators

const route = fc.constantFrom(...ROUTES);
const HOSTILE_VALUES = [1e308, -1e308, -0, 0, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 5e-324, 0.5, -1, '', ' ', '__proto__', 'constructor', 'toString', [], {}, null, true, false, 'auto'];
const hostile = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...HOSTILE_VALUES));
const text = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.constantFrom('', 'hi', 'x'.repeat(70), '__proto__', 'data:image/png;base64,iVBORw0KGgo=', 'https://example.com/a.png', 'data:application/pdf;base64,JVBERi0=', '{}', '{"q":1}', '\ud800'),
);
const num = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_VALUES.filter((v) => typeof v === 'number')) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const bool = fc.boolean();

/** Builds request arbitraries where each field has the given chance of being any other value. */
function requestArbs(noise: number) {
  const w = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
    noise === 0 ? a : fc.oneof({ weight: Math.round((1 - noise) * 100), arbitrary: a as fc.Arbitrary<unknown> }, { weight: Math.round(noise * 100), arbitrary: hostile });
  const o = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) => fc.record(fields, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
  const list = <T>(a: fc.Arbitrary<T>, max = 3) => fc.array(a, { minLength: 1, maxLength: max });
  const obj = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

  const oaText = o({ type: fc.constant('text'), text: w(text) }, ['type', 'text']);
  const oaPart = fc.oneof(
    oaText,
    o({ type: fc.constant('image_url'), image_url: w(o({ url: w(text) }, ['url'])) }, ['type', 'image_url']),
    o({ type: fc.constant('file'), file: w(o({ file_data: w(text), filename: w(text) })) }, ['type', 'file']),
    o({ type: fc.constant('input_audio'), input_audio: w(o({ data: text, format: text }, ['data', 'format'])) }, ['type', 'input_audio']),
  );
  const oaCall = o({ id: w(text), type: w(fc.constant('function')), function: w(o({ name: w(text), arguments: w(fc.oneof(text, fc.constantFrom('{}', '{"a":1}', ''))) }, ['name', 'arguments'])) }, ['id', 'function']);
  const oaMessage = fc.oneof(
    o({ role: w(fc.constantFrom('system', 'developer')), content: w(fc.oneof(text, list(oaText))) }, ['role', 'content']),
    o({ role: w(fc.constant('user')), content: w(fc.oneof(text, list(oaPart))), name: w(text) }, ['role', 'content']),
    o({ role: w(fc.constant('assistant')), content: w(fc.oneof(text, fc.constant(null))), tool_calls: w(list(oaCall)), reasoning_content: w(text), reasoning_signature: w(text) }, ['role']),
    o({ role: w(fc.constant('tool')), tool_call_id: w(text), content: w(text) }, ['role', 'tool_call_id', 'content']),
  );
  const oaTool = o({ type: w(fc.constant('function')), function: w(o({ name: w(text), description: w(text), parameters: w(fc.oneof(obj, fc.constant({ type: 'object', properties: {} }))) }, ['name'])) }, ['type', 'function']);
  const openai = o({
    messages: w(list(w(oaMessage), 4)),
    stream: w(bool),
    stream_options: w(o({ include_usage: w(bool) })),
    max_tokens: w(num),
    max_completion_tokens: w(num),
    temperature: w(num),
    top_p: w(num),
    n: w(fc.constantFrom(1, 2)),
    stop: w(fc.oneof(text, fc.array(text, { maxLength: 5 }))),
    tools: w(list(oaTool)),
    tool_choice: w(fc.oneof(fc.constantFrom('none', 'auto', 'required'), o({ type: fc.constant('function'), function: o({ name: text }, ['name']) }, ['type', 'function']))),
    parallel_tool_calls: w(bool),
    response_format: w(fc.oneof(o({ type: fc.constantFrom('text', 'json_object') }, ['type']), o({ type: fc.constant('json_schema'), json_schema: o({ name: text, schema: obj }, ['name']) }, ['type', 'json_schema']))),
    reasoning_effort: w(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh')),
    user: w(text),
  }, ['messages']);

  const anText = o({ type: fc.constant('text'), text: w(text) }, ['type', 'text']);
  const anSource = fc.oneof(
    o({ type: fc.constant('base64'), media_type: w(fc.constantFrom('image/png', 'image/gif', 'application/pdf', 'text/plain')), data: w(text) }, ['type', 'media_type', 'data']),
    o({ type: fc.constant('url'), url: w(text) }, ['type', 'url']),
    o({ type: fc.constant('text'), media_type: fc.constant('text/plain'), data: w(text) }, ['type', 'media_type', 'data']),
  );
  const anBlock = fc.oneof(
    anText,
    o({ type: fc.constantFrom('image', 'document'), source: w(anSource) }, ['type', 'source']),
    o({ type: fc.constant('tool_use'), id: w(text), name: w(text), input: w(obj) }, ['type', 'id', 'name', 'input']),
    o({ type: fc.constant('tool_result'), tool_use_id: w(text), content: w(fc.oneof(text, list(anText))), is_error: w(bool) }, ['type', 'tool_use_id']),
    o({ type: fc.constant('thinking'), thinking: w(text), signature: w(text) }, ['type', 'thinking', 'signature']),
  );
  const anMessage = o({ role: w(fc.constantFrom('user', 'assistant', 'system')), content: w(fc.oneof(text, list(w(anBlock), 4))) }, ['role', 'content']);
  const anTool = o({ name: w(text), description: w(text), input_schema: w(fc.oneof(obj, fc.constant({ type: 'object', properties: {} }))), type: w(text) }, ['name']);
  const anthropic = o({
    messages: w(list(w(anMessage), 4)),
    system: w(fc.oneof(text, list(anText))),
    max_tokens: w(num),
    stream: w(bool),
    temperature: w(num),
    top_p: w(num),
    top_k: w(num),
    stop_sequences: w(fc.array(text, { maxLength: 5 })),
    tools: w(list(anTool)),
    tool_choice: w(fc.oneof(o({ type: fc.constantFrom('auto', 'any', 'none') }, ['type']), o({ type: fc.constant('tool'), name: text }, ['type', 'name']))),
    thinking: w(fc.oneof(o({ type: fc.constant('enabled'), budget_tokens: w(num) }, ['type', 'budget_tokens']), o({ type: fc.constantFrom('disabled', 'adaptive') }, ['type']))),
    metadata: w(o({ user_id: w(text) })),
  }, ['messages']);
  return { openai, anthropic, w };
}

const clean = requestArbs(0);
const mild = requestArbs(0.04);
const wild = requestArbs(0.3);

/** Half the time a model of the other protocol's upstream (translation runs); else same side, auto, unknown, named provider, junk. */
const modelFor = (r: Route): fc.Arbitrary<unknown> => {
  const mine = routeProtocol(r) === 'openai' ? OPENAI_MODELS : ANTHROPIC_MODELS;
  const theirs = routeProtocol(r) === 'openai' ? ANTHROPIC_MODELS : OPENAI_MODELS;
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...theirs) },
    { weight: 4, arbitrary: fc.constantFrom(...mine) },
    { weight: 2, arbitrary: fc.constantFrom('auto', 'no-such-model', 'oa/gpt-x', 'an/claude-x', 'nobody/x', '__proto__', 'constructor', 'toString') },
    { weight: 1, arbitrary: hostile },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
};

/** A request body object for a route: mostly its protocol's shape, sometimes the other's (clients do mix them up). */
const requestFor = (arbs: ReturnType<typeof requestArbs>) =>
  route.chain((r) =>
    fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: routeProtocol(r) === 'openai' ? arbs.openai : arbs.anthropic }, { weight: 1, arbitrary: routeProtocol(r) === 'openai' ? arbs.anthropic : arbs.openai }),
        modelFor(r),
      )
      .map(([body, model]) => ({ route: r, body: model === undefined ? body : { ...body, model } })),
  );

const STRICT = { 'content-type': 'application/json', 'x-ones-strict': '1' };
const headersArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ 'content-type': 'application/json' }) },
  { weight: 1, arbitrary: fc.constant(STRICT) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ 'content-type': 'text/plain' }, {}, { 'content-type': 'application/json; charset=utf-16' }, { 'content-type': 'application/json', 'anthropic-version': '\u00ff' }) },
);

// ---------------------------------------------------------------- JSON text with hostile keys

const POISON = [
  '"__proto__":{"polluted":"yes","role":"user"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"prototype":{"polluted":"yes"}',
  '"__proto__":null',
  '"__proto__":[1,2]',
  '"__proto__":"x"',
  '"toString":1',
  '"valueOf":{"polluted":"yes"}',
  '"hasOwnProperty":"x"',
  '"__defineGetter__":0',
];

/** JSON text with a hostile key inserted first into objects as `picks` says (JSON.stringify would drop or misplace them). */
function poisonedJson(value: unknown, picks: number[]): string {
  let i = 0;
  const pick = () => picks[i++ % picks.length]!;
  const ser = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(ser).join(',')}]`;
    if (v && typeof v === 'object') {
      const parts = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${ser(x)}`);
      const p = pick();
      if (p < POISON.length) parts.unshift(POISON[p]!);
      return `{${parts.join(',')}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return ser(value);
}

// ---------------------------------------------------------------- raw bodies

const nest = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
const objNest = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Deeply nested JSON in every place a translator or a re-serialisation walks. */
const deepBody = fc
  .tuple(route, fc.constantFrom(64, 500, 3000, 5000, 20_000, 100_000), fc.integer({ min: 0, max: 8 }), fc.constantFrom('gpt-a', 'claude-a', 'no-such-model', 'auto'), bool)
  .map(([r, depth, where, model, stream]): Sent & { depth: number } => {
    const arrays = nest(depth, '[', ']');
    const objects = objNest(depth);
    const m = JSON.stringify(model);
    const s = stream ? ',"stream":true' : '';
    const user = '{"role":"user","content":"hi"}';
    const bodies = [
      arrays,
      objects,
      `{"model":${m},"messages":[{"role":"user","content":${arrays}}]${s}}`,
      `{"model":${m},"messages":[${user}],"extra":${arrays}${s}}`,
      `{"model":${m},"messages":[${user}],"extra":${objects}${s}}`,
      `{"model":${m},"messages":[{"role":"user","content":"hi","x":${objects}}]${s}}`,
      `{"model":${m},"messages":[${user}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":${objects}}}}]${s}}`,
      `{"model":${m},"messages":[${user}],"tools":[{"name":"f","input_schema":{"type":"object","properties":${objects}}}]${s}}`,
      `{"model":${m},"messages":[${user},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${objects}}]}]${s}}`,
    ];
    return { route: r, body: bodies[where]!, depth };
  });

/** Invalid UTF-8 (and other raw bytes) inside strings, keys, or as the whole body. */
const badBytes = fc.uint8Array({ minLength: 1, maxLength: 24 }).map((b) => Buffer.from(b.map((x) => (x % 3 === 0 ? 0x80 | x : x))));
const utf8Body = fc.tuple(route, badBytes, fc.integer({ min: 0, max: 3 }), fc.constantFrom('gpt-a', 'claude-a')).map(([r, bytes, where, model]): Sent => {
  const pre = (s: string) => Buffer.from(s, 'latin1');
  const m = JSON.stringify(model);
  const forms = [
    [pre(`{"model":${m},"messages":[{"role":"user","content":"`), bytes, pre('"}]}')],
    [pre(`{"model":${m},"messages":[{"role":"user","content":"hi","`), bytes, pre('":1}],"stream":true}')],
    [pre(`{"model":"`), bytes, pre('","messages":[{"role":"user","content":"hi"}]}')],
    [bytes],
  ];
  return { route: r, body: Buffer.concat(forms[where]!) };
});

const junkText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'null',
    'undefined',
    '{',
    '}',
    '[',
    '{"model"',
    '{"model":"gpt-a","messages":[{"role":"user","content":"hi"}]',
    '{"model":"gpt-a","messages":[{"role":"user","content":"hi"}]}}',
    'model=gpt-a&messages=hi',
    '\u0000',
    '\ufeff{"model":"gpt-a","messages":[{"role":"user","content":"hi"}]}',
    '{"model":"gpt-a","messages":[{"role":"user","content":"hi"}],"max_tokens":1e400}',
    '{"model":"claude-a","messages":[{"role":"user","content":"hi"}],"max_tokens":123456789012345678901234567890}',
    '{"model":"claude-a","messages":[{"role":"user","content":"hi"}],"temperature":-0,"top_p":1e308,"max_tokens":-0}',
    '{"model":"gpt-a","messages":[{"role":"user","content":"hi"}],"max_tokens":1e-400,"temperature":-1e308}',
    '{"model":"claude-a","messages":[{"role":"user","content":"\\ud800\\udfff\\udc00"}],"stream":true}',
    '{"model":"claude-a","model":"gpt-a","messages":[{"role":"user","content":"hi"}]}',
    '{"model":"claude-a","messages":[{"role":"user","content":"hi"}],"stream":"true"}',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

// ---------------------------------------------------------------- properties

/** A refusal of a body that parsed names the offending field first: `messages.2.content: …`, `model: required` */
const NAMES_A_FIELD = /^[\w$-]+(\.[\w$-]+)*: /;
const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN_MODELS = [...OPENAI_MODELS, ...ANTHROPIC_MODELS];
/** served by no provider (`oa/gpt-x` is: a named provider is asked for a model its list lacks) */
const UNKNOWN_MODELS = ['no-such-model', 'nobody/x', '__proto__', 'constructor', 'toString'];
/** the body as the proxy reads it: UTF-8 (bad bytes replaced), then JSON; undefined when that fails */
function parsedAsTheProxyDoes(body: string | Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body) };
  } catch {
    return undefined;
  }
}

describe('hostile request bodies never get a 5xx or a reset', { timeout: 20_000 * SCALE }, () => {
  it('arbitrary JSON values: a 400 saying the body is no object, or naming the first missing field', async () => {
    const RUNS = 150;
    const arb = fc.tuple(route, fc.jsonValue()).map(([r, v]) => ({ route: r, body: JSON.stringify(v), value: v }));
    let objects = 0;
    const t = await run(arb, RUNS, ({ value }, a) => {
      if (!isPlainObject(value)) return expectBadRequest(a, /^request body must be a JSON object$/);
      objects++;
      expectBadRequest(a, NAMES_A_FIELD);
      if (a.protocol === 'openai') expect(errorOf(a).message.startsWith(`${a.json.error.param}: `), 'param names the field').toBe(true);
    });
    expect(t.status[400]).toBe(t.runs);
    expect(objects, 'objects among the values').toBeGreaterThan(share(RUNS, 0.1));
  });

  it('arbitrary JSON objects carrying model and messages: passthrough takes them, the rest is a 400 naming the field', async () => {
    const RUNS = 150;
    const arb = fc.tuple(route, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 3 }), modelFor('/v1/messages')).map(([r, o, messages, model]) => ({
      route: r,
      body: JSON.stringify({ ...o, model, messages: Array.isArray(messages) && messages.length ? messages : [messages] }),
      model,
    }));
    const t = await run(arb, RUNS, ({ model }, a) => {
      if (typeof model !== 'string' || model === '') return expectBadRequest(a, /^model: /);
      if (a.status !== 200) expectBadRequest(a, NAMES_A_FIELD);
    });
    // random messages pass the routing checks, so passthrough (which leaves the rest to the upstream) answers them
    expect(t.passthrough, JSON.stringify(t)).toBeGreaterThan(share(RUNS, 0.1));
    expect(t.status[400], JSON.stringify(t)).toBeGreaterThan(share(RUNS, 0.15));
  });

  it('plausible requests, now and then a wrong type: answered through passthrough and translation, streamed too', async () => {
    const RUNS = 300;
    const arb = fc
      .tuple(fc.oneof(requestFor(clean).map((s) => ({ ...s, clean: true })), requestFor(mild).map((s) => ({ ...s, clean: false }))), headersArb)
      .map(([s, headers]) => ({ route: s.route, body: JSON.stringify(s.body), headers, model: s.body.model, clean: s.clean }));
    let asIs = 0;
    const t = await run(arb, RUNS, ({ route, model, clean, headers }, a) => {
      const mine = (routeProtocol(route) === 'openai' ? OPENAI_MODELS : ANTHROPIC_MODELS).includes(model as string);
      // a well-typed body for the route's own upstream is passed through as it is, whatever else it holds
      if (clean && mine && !route.endsWith('count_tokens')) {
        asIs++;
        expect([a.status, a.via], JSON.stringify(a.json)).toEqual([200, 'passthrough']);
      }
      // strict mode answers for the model asked or not at all
      if (headers === STRICT && UNKNOWN_MODELS.includes(model as string) && !route.endsWith('count_tokens')) expect([400, 404], JSON.stringify(a.json)).toContain(a.status);
      if (a.status === 400) expectBadRequest(a, NAMES_A_FIELD);
    });
    const seen = JSON.stringify(t);
    expect(t.passthrough, seen).toBeGreaterThan(share(RUNS, 0.1));
    expect(t.translated, seen).toBeGreaterThan(share(RUNS, 0.02));
    expect(t.streams, seen).toBeGreaterThan(share(RUNS, 0.05));
    expect(t.status[400], seen).toBeGreaterThan(share(RUNS, 0.1));
    expect(asIs, 'well-typed bodies for the route protocol\'s own models').toBeGreaterThan(share(RUNS, 0.02));
  });

  it('plausible requests with wrong types everywhere: mostly a 400 naming the field', async () => {
    const RUNS = 250;
    const t = await run(requestFor(wild).map((s) => ({ route: s.route, body: JSON.stringify(s.body) })), RUNS, (_sent, a) => {
      if (a.status !== 200) expectBadRequest(a, NAMES_A_FIELD);
    });
    expect(t.status[400], JSON.stringify(t)).toBeGreaterThan(share(RUNS, 0.4));
  });

  it('prototype-pollution keys in the JSON text: the same answer as without them, and nothing polluted', async () => {
    const RUNS = 200;
    const arb = fc.tuple(fc.oneof(requestFor(clean), requestFor(mild)), fc.array(fc.nat({ max: POISON.length * 2 }), { minLength: 1, maxLength: 12 })).map(([s, picks]) => ({
      route: s.route,
      body: poisonedJson(s.body, picks),
      plain: JSON.stringify(s.body),
      model: s.body.model,
    }));
    let compared = 0;
    const t = await run(arb, RUNS, async ({ route, plain, model }, a) => {
      // `auto` (and an unknown model, which falls back to it) may pick another upstream for the second request
      if (typeof model === 'string' && !KNOWN_MODELS.includes(model)) return;
      compared++;
      // the keys are own data properties after the parse: no part of the proxy may read them as the prototype
      const without = await check({ route, body: plain });
      expect(a.status, `the same status as the body without the hostile keys: ${plain.slice(0, 600)}`).toBe(without.status);
      if (a.status === 400) expect(errorOf(a).message).toBe(errorOf(without).message);
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(t.status[200], JSON.stringify(t)).toBeGreaterThan(share(RUNS, 0.2));
    expect(compared, 'requests compared with their unpoisoned twin').toBeGreaterThan(share(RUNS, 0.3));
  });

  it('deep nesting: past 256 levels a 400 before any parse, below it the usual answer', async () => {
    const RUNS = 120;
    const t = await run(deepBody, RUNS, ({ depth }, a) => {
      if (depth > 256) expectBadRequest(a, /^request body is nested deeper than 256 levels$/);
      else if (a.status !== 200) expect(errorOf(a).message).not.toContain('nested deeper');
    });
    expect(t.status[400], JSON.stringify(t)).toBeGreaterThan(share(RUNS, 0.5));
  });

  it('invalid UTF-8, empty bodies, non-JSON, odd numbers: what is not JSON is a 400 saying so', async () => {
    const RUNS = 200;
    const t = await run(fc.oneof(utf8Body, fc.tuple(route, junkText).map(([r, body]) => ({ route: r, body }))), RUNS, ({ body }, a) => {
      const parsed = parsedAsTheProxyDoes(body);
      if (!parsed) return expectBadRequest(a, /^request body is not valid JSON: /);
      if (!isPlainObject(parsed.value)) return expectBadRequest(a, /^request body must be a JSON object$/);
      if (a.status !== 200) expectBadRequest(a, NAMES_A_FIELD);
    });
    const seen = JSON.stringify(t);
    expect(t.status[400], seen).toBeGreaterThan(share(RUNS, 0.3));
    // what is JSON once decoded (a bad byte inside a string becomes U+FFFD) is answered like any other body
    expect(t.status[200], seen).toBeGreaterThan(share(RUNS, 0.05));
  });
});

describe('after the storm', () => {
  it('no failures were collected, and the fuzzing reached every path', () => {
    expect(failures).toEqual([]);
    // 400s for the broken bodies, and enough well-formed ones answered through passthrough and translation, streamed too
    const seen = JSON.stringify(tally);
    expect(tally.status[400] ?? 0, seen).toBeGreaterThan(200);
    expect(tally.passthrough, seen).toBeGreaterThan(50);
    expect(tally.translated, seen).toBeGreaterThan(25);
    expect(tally.streams, seen).toBeGreaterThan(20);
  });

  it('Object.prototype is not polluted', () => {
    const probe = {} as Record<string, unknown>;
    for (const k of ['polluted', 'role', 'a']) expect(probe[k], k).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(typeof probe.toString).toBe('function');
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  });

  it('the proxy still answers normal requests on every path', async () => {
    const hi = [{ role: 'user', content: 'hi' }];
    for (const [r, model] of [
      ['/v1/chat/completions', 'gpt-a'],
      ['/v1/chat/completions', 'claude-a'],
      ['/v1/messages', 'claude-a'],
      ['/v1/messages', 'gpt-a'],
    ] as const) {
      for (const stream of [false, true]) {
        const res = await request(px.url + r, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: hi, max_tokens: 10, stream }) });
        expect(res.statusCode, `${r} ${model} stream=${stream}`).toBe(200);
        expect(res.headers['x-ones-model']).toBe(model);
        const text = await res.body.text();
        expect(text).toContain('Hello from the mock.'.slice(0, 5));
      }
    }
    const c = await request(px.url + '/v1/messages/count_tokens', { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-a', messages: hi }) });
    expect(c.statusCode).toBe(200);
    expect(await c.body.json()).toEqual({ input_tokens: 42 });
    const h = await request(px.url + '/health', { dispatcher: agent });
    expect(h.statusCode).toBe(200);
    await h.body.dump();
  });
});
