/**
 * Every hot path gives the same bytes as the full path it short-cuts, on
 * generated inputs (fast-check): text of any kind (unicode, emoji, quotes,
 * backslashes, control characters, lone surrogates, empty, very long) in
 * whatever legal escapes an upstream chose, generated ids, models, usage
 * counters and finish reasons.
 *
 * - stream frames recognised by pattern (hot-frames): each upstream stream is
 *   translated twice, as sent and with every frame's data behind a leading
 *   space (the same JSON, which no pattern matches), in both directions;
 * - plain answers (hot-answers): the template answer against parse →
 *   validate → translate → stringify, in both directions;
 * - fixed frames (sse-templates): each template against JSON.stringify of the
 *   frame object it stands for.
 *
 * Each property also counts how many inputs really took the fast path, and
 * requires a floor: a pattern that stopped matching would otherwise pass.
 */
import { describe, expect, it } from 'vitest';
// fast-check is a devDependency of the tests workspace only (core declares no test deps): load it from there
import fc from '../../../../tests/node_modules/fast-check/lib/fast-check.js';
// the sources under test, all of them here
import { bridge } from './helpers.js';
import { anthropicBlockStop, anthropicTextBlockStart, anthropicTextDelta } from '../../src/translate/openai-anthropic/hot.js';
import { openaiTextChunk, openaiUsageChunk } from '../../src/translate/anthropic-openai/hot.js';
import * as anthropicFrames from '../../src/translate/anthropic-openai/frames.js';
import * as openaiFrames from '../../src/translate/openai-anthropic/frames.js';

const templates = { ...anthropicFrames, ...openaiFrames };
import { makeContext } from './helpers.js';

/** FUZZ_SCALE=10 for a longer hunt, as in fuzz.test.ts */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS = Math.round(600 * SCALE);
const params = { numRuns: RUNS };
const TIMEOUT = 30_000 * SCALE;

// ---------------------------------------------------------------- text and its JSON literals

/** Characters that need escaping or care, and some that do not. */
const TRICKY = ['"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\udfff', '\ud83d', 'é', '😀', '👩‍👩‍👧', 'a', ' ', '{', '}', '\\u', 'null'];
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '""', '\\', '\\"', '</script>', '\ud800', 'x'.repeat(70)) },
  // very long: 10k-30k characters
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom(...TRICKY), minLength: 1, maxLength: 8 }), fc.integer({ min: 10_000, max: 30_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length))) },
);

/**
 * A JSON string literal for `s` as some upstream might write it: each code point as JSON.stringify writes it,
 * as \u escapes (either case), or `/` as `\/`. Never a raw lone surrogate (UTF-8 on the wire cannot carry one).
 */
function literal(s: string, modes: readonly number[]): string {
  let out = '"';
  let i = 0;
  for (const cp of s) {
    const mode = modes[i++ % modes.length]!;
    const canonical = JSON.stringify(cp).slice(1, -1);
    if (mode === 1 || mode === 2) {
      const hex = [...Array(cp.length).keys()].map((k) => '\\u' + cp.charCodeAt(k).toString(16).padStart(4, '0')).join('');
      out += mode === 2 ? hex.toUpperCase().replaceAll('\\U', '\\u') : hex;
    } else if (mode === 3 && cp === '/') out += '\\/';
    else out += canonical;
  }
  return out + '"';
}
/** How escapes are chosen: mostly as JSON.stringify writes them, else a mix. */
const modes = fc.oneof({ weight: 3, arbitrary: fc.constant([0]) }, { weight: 2, arbitrary: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 12 }) });
/** A JSON string literal an upstream could send for a generated text. */
const textLiteral = fc.tuple(text, modes).map(([t, m]) => literal(t, m));

/** Ids and model names: mostly plain (what the patterns take), sometimes with characters that need escapes. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TRICKY), minLength: 1, maxLength: 8 }) },
);
/** usage counters (and `created`): mostly what APIs send, sometimes any JSON number */
const counter = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: 200_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2 ** 31, 2 ** 53 - 1, 1e15) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const finishWord = fc.oneof(fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', 'function_call'), fc.stringMatching(/^[a-z_]{1,12}$/));
const stopWord = fc.oneof(
  fc.constantFrom('end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'),
  fc.stringMatching(/^[a-z_]{1,12}$/),
);
const index = fc.oneof({ weight: 8, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(10, 999_999_999, 12_345_678_901) });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** An object of the given fields, without the undefined ones (as an upstream would write it). */
const fields = (o: Record<string, fc.Arbitrary<unknown>>) => fc.record(o).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));

const openaiUsage = fields({
  prompt_tokens: counter,
  completion_tokens: counter,
  total_tokens: counter,
  prompt_tokens_details: opt(fields({ cached_tokens: opt(counter), cache_write_tokens: opt(counter), audio_tokens: opt(counter) })),
  completion_tokens_details: opt(fields({ reasoning_tokens: opt(counter), audio_tokens: opt(counter) })),
});
const anthropicUsage = fields({
  input_tokens: counter,
  cache_creation_input_tokens: opt(fc.option(counter)),
  cache_read_input_tokens: opt(fc.option(counter)),
  cache_creation: opt(fields({ ephemeral_5m_input_tokens: counter, ephemeral_1h_input_tokens: counter })),
  output_tokens: counter,
  service_tier: opt(fc.constantFrom('standard', 'priority', 'batch')),
});

// ---------------------------------------------------------------- comparing outputs

/** Per-call ids and timestamps → fixed values, anchored where they are written (never inside a text). */
const normalize = (out: string) =>
  out
    .replace(/^data: \{"id":"chatcmpl-[0-9a-f]{24}","object":"chat\.completion\.chunk","created":\d+,/gm, 'data: {"id":"ID","object":"chat.completion.chunk","created":0,')
    .replace(/^(data: \{"type":"message_start","message":\{"id":)"msg_[0-9a-f]{24}"/m, '$1"ID"')
    .replace(/^\{"id":"(?:chatcmpl-|msg_)[0-9a-f]{24}"(,"object":"chat\.completion","created":\d+)?/, (_m, created?: string) => `{"id":"ID"${created ? ',"object":"chat.completion","created":0' : ''}`);

interface Upstream {
  data: string;
  event?: string;
}
/** The same frame's data behind a leading space: the same JSON for the full parse, a miss for every pattern. */
const fullPathOnly = (e: Upstream): Upstream => ({ ...e, data: ' ' + e.data });

function translate(client: 'openai' | 'anthropic', events: Upstream[], includeUsage: boolean): string {
  const t = bridge(client, client === 'openai' ? 'anthropic' : 'openai').stream(makeContext({ includeUsage, model: 'client-model' }));
  let out = '';
  for (const e of events) out += t.push(e);
  return out + t.finish();
}

// ---------------------------------------------------------------- OpenAI upstream stream → Anthropic client

/** The envelope fields OpenAI (and compatible servers) write before `choices`, in their order. */
const chunkHead = fc
  .record({ id: name, created: counter, model: name, tier: opt(fc.constantFrom('null', '"default"', '"auto"')), fingerprint: opt(fc.constantFrom('null', '"fp_f9f4fb6dbf"')) })
  .map(({ id, created, model, tier, fingerprint }) =>
    `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},` +
    (tier ? `"service_tier":${tier},` : '') +
    (fingerprint ? `"system_fingerprint":${fingerprint},` : ''),
  );
const chunkTail = fc.record({ usageNull: fc.boolean(), obfuscation: opt(fc.stringMatching(/^[A-Za-z0-9]{0,12}$/)) }).map(({ usageNull, obfuscation }) => (usageNull ? ',"usage":null' : '') + (obfuscation !== undefined ? `,"obfuscation":"${obfuscation}"` : '') + '}');

/** The delta of a choice: mostly what the text pattern takes, sometimes what only the full parse reads. */
const openaiDelta = fc.oneof(
  { weight: 8, arbitrary: textLiteral.map((json) => `{"content":${json}}`) },
  { weight: 2, arbitrary: textLiteral.map((json) => `{"role":"assistant","content":${json}}`) },
  { weight: 1, arbitrary: textLiteral.map((json) => `{"content":${json},"refusal":null}`) },
  { weight: 1, arbitrary: fc.constant('{"role":"assistant","content":"","refusal":null}') },
  { weight: 2, arbitrary: fc.constant('{}') },
  { weight: 1, arbitrary: textLiteral.map((json) => `{"reasoning_content":${json}}`) },
  { weight: 1, arbitrary: textLiteral.map((json) => `{"refusal":${json}}`) },
  { weight: 1, arbitrary: fc.constant('{"content":null}') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat({ max: 1 }), name, name, fc.constantFrom('', '{"a":', '1}', '{"q":"x"}'))
      .map(([i, id, fn, args]) => `{"tool_calls":[{"index":${i},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(fn)},"arguments":${JSON.stringify(args)}}}]}`),
  },
);

const openaiFrame: fc.Arbitrary<Upstream> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(chunkHead, openaiDelta, fc.option(finishWord, { freq: 4 }), chunkTail)
      .map(([head, delta, finish, tail]) => ({ data: `${head}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${tail}` })),
  },
  { weight: 2, arbitrary: fc.tuple(chunkHead, openaiUsage, chunkTail).map(([head, usage, tail]) => ({ data: `${head}"choices":[],"usage":${JSON.stringify(usage)}${tail.replace(',"usage":null', '')}` })) },
  { weight: 1, arbitrary: fc.constant({ data: '[DONE]' }) },
);

/** A stream: role first, then any frames (in any order, as a broken upstream might), mostly finish, usage, [DONE] last. */
const openaiStream = fc
  .tuple(chunkHead, fc.array(openaiFrame, { maxLength: 14 }), fc.option(finishWord), fc.option(openaiUsage), fc.boolean())
  .map(([head, middle, finish, usage, done]) => [
    { data: `${head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}` },
    ...middle,
    ...(finish === null ? [] : [{ data: `${head}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finish}"}]}` }]),
    ...(usage === null ? [] : [{ data: `${head}"choices":[],"usage":${JSON.stringify(usage)}}` }]),
    ...(done ? [{ data: '[DONE]' }] : []),
  ]);

// ---------------------------------------------------------------- Anthropic upstream stream → OpenAI client

const ev = (type: string, data: string): Upstream => ({ event: type, data });
const anthropicFrame: fc.Arbitrary<Upstream> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(index, textLiteral).map(([i, json]) => ev('content_block_delta', `{"type":"content_block_delta","index":${i},"delta":{"type":"text_delta","text":${json}}}`)) },
  { weight: 3, arbitrary: index.map((i) => ev('content_block_start', `{"type":"content_block_start","index":${i},"content_block":{"type":"text","text":""}}`)) },
  { weight: 3, arbitrary: index.map((i) => ev('content_block_stop', `{"type":"content_block_stop","index":${i}}`)) },
  { weight: 1, arbitrary: fc.constant(ev('message_stop', '{"type":"message_stop"}')) },
  // what only the full parse reads
  { weight: 1, arbitrary: fc.tuple(index, textLiteral).map(([i, json]) => ev('content_block_start', `{"type":"content_block_start","index":${i},"content_block":{"type":"text","text":${json}}}`)) },
  { weight: 1, arbitrary: fc.tuple(index, textLiteral).map(([i, json]) => ev('content_block_delta', `{"type":"content_block_delta","index":${i},"delta":{"type":"thinking_delta","thinking":${json}}}`)) },
  { weight: 1, arbitrary: index.map((i) => ev('content_block_start', `{"type":"content_block_start","index":${i},"content_block":{"type":"thinking","thinking":"","signature":""}}`)) },
  {
    weight: 1,
    arbitrary: fc.tuple(index, name, name).map(([i, id, fn]) => ev('content_block_start', `{"type":"content_block_start","index":${i},"content_block":{"type":"tool_use","id":${JSON.stringify(id)},"name":${JSON.stringify(fn)},"input":{}}}`)),
  },
  { weight: 1, arbitrary: fc.tuple(index, fc.constantFrom('{"a":', '1}', '{}')).map(([i, p]) => ev('content_block_delta', `{"type":"content_block_delta","index":${i},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(p)}}}`)) },
  { weight: 1, arbitrary: fc.tuple(stopWord, counter).map(([r, n]) => ev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${r}","stop_sequence":null},"usage":{"output_tokens":${n}}}`)) },
  { weight: 1, arbitrary: fc.constant(ev('ping', '{"type":"ping"}')) },
);
const messageStart = fc
  .tuple(name, name, anthropicUsage)
  .map(([id, model, usage]) =>
    ev('message_start', `{"type":"message_start","message":{"id":${JSON.stringify(id)},"type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${JSON.stringify(usage)}}}`),
  );
/** A stream: message_start, a text block, any frames, mostly the message_delta and message_stop that end it. */
const anthropicStream = fc
  .tuple(messageStart, fc.array(anthropicFrame, { maxLength: 14 }), fc.option(fc.tuple(stopWord, counter)), fc.boolean())
  .map(([start, middle, end, stop]) => [
    start,
    ev('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
    ...middle,
    ev('content_block_stop', '{"type":"content_block_stop","index":0}'),
    ...(end === null ? [] : [ev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${end[0]}","stop_sequence":null},"usage":{"output_tokens":${end[1]}}}`)]),
    ...(stop ? [ev('message_stop', '{"type":"message_stop"}')] : []),
  ]);

/** Frames the patterns recognise: hot-frames' own readers, to count what took the fast path. */
const hotOpenAI = (e: Upstream) => openaiTextChunk(e.data) !== null || openaiUsageChunk(e.data) !== null;
const hotAnthropic = (e: Upstream) => anthropicTextDelta(e.data) !== null || anthropicTextBlockStart(e.data) >= 0 || anthropicBlockStop(e.data) >= 0 || e.data === '{"type":"message_stop"}';

describe('stream frames read by pattern give the bytes of the full parse', () => {
  it.each([
    ['OpenAI upstream → Anthropic client', 'anthropic', openaiStream, hotOpenAI],
    ['Anthropic upstream → OpenAI client', 'openai', anthropicStream, hotAnthropic],
  ] as const)('%s', (_name, client, streams, hot) => {
    let frames = 0;
    let fast = 0;
    /** fast frames whose text carries \u or \/ escapes: what the pattern copied had to be re-encoded */
    let reencoded = 0;
    fc.assert(
      fc.property(streams, fc.boolean(), (events, includeUsage) => {
        frames += events.length;
        fast += events.filter(hot).length;
        reencoded += events.filter((e) => hot(e) && /\\u|\\\//.test(e.data)).length;
        const full = events.map(fullPathOnly);
        expect(full.filter(hot)).toEqual([]);
        expect(normalize(translate(client, events, includeUsage))).toBe(normalize(translate(client, full, includeUsage)));
      }),
      params,
    );
    // many frames took the fast path, escapes and all: the comparison is of something
    expect(fast / frames, `${fast} of ${frames} frames matched a pattern`).toBeGreaterThan(0.35);
    expect(reencoded / frames, `${reencoded} of ${frames} frames matched with \\u or \\/ escapes`).toBeGreaterThan(0.03);
  }, TIMEOUT);
});

// ---------------------------------------------------------------- plain answers

/** An Anthropic Messages answer of one text block, as the API writes it; now and then a field the pattern does not take. */
const anthropicAnswer = fc
  .tuple(name, name, textLiteral, fc.option(stopWord, { freq: 6 }), anthropicUsage, fc.nat({ max: 19 }))
  .map(([id, model, json, stop, usage, odd]) => {
    const answer = `{"id":${JSON.stringify(id)},"type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[{"type":"text","text":${json}}],"stop_reason":${stop === null ? 'null' : `"${stop}"`},"stop_sequence":null,"usage":${JSON.stringify(usage)}}`;
    if (odd === 0) return answer.replace(/\}$/, ',"container":null}');
    if (odd === 1) return answer.replace('"stop_sequence":null', '"stop_sequence":"END"');
    return answer;
  });

/** An OpenAI completion of one text choice, as the API writes it; now and then a field the pattern does not take. */
const openaiAnswer = fc
  .tuple(name, counter, name, textLiteral, finishWord, openaiUsage, fc.boolean(), opt(fc.constantFrom('null', '"default"')), opt(fc.constantFrom('null', '"fp_f9f4fb6dbf"')), fc.nat({ max: 19 }))
  .map(([id, created, model, json, finish, usage, annotations, tier, fingerprint, odd]) => {
    const answer =
      `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${created},"model":${JSON.stringify(model)},` +
      `"choices":[{"index":0,"message":{"role":"assistant","content":${json},"refusal":null${annotations ? ',"annotations":[]' : ''}},"logprobs":null,"finish_reason":"${finish}"}],` +
      `"usage":${JSON.stringify(usage)}${tier ? `,"service_tier":${tier}` : ''}${fingerprint ? `,"system_fingerprint":${fingerprint}` : ''}}`;
    if (odd === 0) return answer.replace('"refusal":null', '"refusal":null,"reasoning_content":"r"');
    return answer;
  });

describe('plain answers written from a template give the bytes of the full path', () => {
  it.each([
    ['Anthropic answer → OpenAI client', 'openai', anthropicAnswer],
    ['OpenAI completion → Anthropic client', 'anthropic', openaiAnswer],
  ] as const)('%s', (_name, client, answers) => {
    const b = bridge(client, client === 'openai' ? 'anthropic' : 'openai');
    let fast = 0;
    fc.assert(
      fc.property(answers, name, (answer, model) => {
        const ctx = makeContext({ model });
        const hot = b.plainAnswer!(answer, ctx);
        if (hot === null) return; // left to the full path: nothing to compare
        fast++;
        // parse → validate → translate → stringify, as the pipeline does when the template declines
        const full = JSON.stringify(b.response(JSON.parse(answer), makeContext({ model })));
        expect(normalize(hot)).toBe(normalize(full));
      }),
      params,
    );
    expect(fast, 'answers the template wrote').toBeGreaterThan(RUNS / 2);
  }, TIMEOUT);
});

// ---------------------------------------------------------------- fixed frames from templates

/** What the templates stand for: the frame object serialised whole, Anthropic's named events and OpenAI's data lines. */
const sseEvent = (type: string, json: unknown) => `event: ${type}\ndata: ${JSON.stringify(json)}\n\n`;
const sseData = (json: unknown) => `data: ${JSON.stringify(json)}\n\n`;

const BLOCK_DELTAS = [
  [templates.TEXT_DELTA, 'text_delta', 'text'],
  [templates.THINKING_DELTA, 'thinking_delta', 'thinking'],
  [templates.SIGNATURE_DELTA, 'signature_delta', 'signature'],
  [templates.INPUT_JSON_DELTA, 'input_json_delta', 'partial_json'],
] as const;
const CHUNK_FIELDS = [
  [templates.CONTENT, 'content'],
  [templates.REASONING_CONTENT, 'reasoning_content'],
  [templates.REASONING_SIGNATURE, 'reasoning_signature'],
] as const;
const anyText = fc.oneof(text, name);
/** token counts as they may reach a template: any JSON number */
const anyCount = fc.oneof(counter, fc.constantFrom(-0, 0.5, -1, 1e308), fc.double({ noNaN: true, noDefaultInfinity: true }));

describe('frames built from templates are the bytes of the whole frame serialised', () => {
  it('Anthropic frames: block deltas of every kind, message_start, block start and stop, message_delta, message_stop', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...BLOCK_DELTAS), anyText, name, name, anyCount, fc.option(stopWord), anthropicUsage, (i, [kind, type, field], value, id, model, inputTokens, stop, usage) => {
        expect(templates.blockDeltaFrame(i, kind, JSON.stringify(value))).toBe(sseEvent('content_block_delta', { type: 'content_block_delta', index: i, delta: { type, [field]: value } }));
        expect(templates.messageStartFrame(id, model, inputTokens)).toBe(
          sseEvent('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 0 } } }),
        );
        expect(templates.textBlockStartFrame(i)).toBe(sseEvent('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } }));
        expect(templates.thinkingBlockStartFrame(i)).toBe(sseEvent('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'thinking', thinking: '', signature: '' } }));
        expect(templates.blockStopFrame(i)).toBe(sseEvent('content_block_stop', { type: 'content_block_stop', index: i }));
        expect(templates.messageDeltaFrame(stop, usage)).toBe(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage }));
      }),
      params,
    );
    expect(templates.MESSAGE_STOP_FRAME).toBe(sseEvent('message_stop', { type: 'message_stop' }));
  });

  it('OpenAI chunks: one-field deltas, tool arguments, any delta with a finish_reason, the usage chunk', () => {
    const delta = fc.oneof(
      fc.constant({}),
      fc.constant({ role: 'assistant', content: '' }),
      anyText.map((content) => ({ content })),
      fc.tuple(fc.nat({ max: 3 }), name, anyText).map(([index, id, fn]) => ({ tool_calls: [{ index, id, type: 'function', function: { name: fn, arguments: '' } }] })),
    );
    fc.assert(
      fc.property(name, anyCount, name, fc.boolean(), fc.constantFrom(...CHUNK_FIELDS), anyText, fc.nat(), delta, fc.option(finishWord), openaiUsage, (id, created, model, includeUsage, [field, key], value, call, d, finish, usage) => {
        const frames = new templates.OpenAIChunkFrames(id, created, model, includeUsage);
        const chunk = (delta: object, finishReason: string | null) =>
          sseData({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }], ...(includeUsage ? { usage: null } : {}) });
        expect(frames.field(field, JSON.stringify(value))).toBe(chunk({ [key]: value }, null));
        expect(frames.toolArguments(call, value)).toBe(chunk({ tool_calls: [{ index: call, function: { arguments: value } }] }, null));
        expect(frames.chunk(d, finish)).toBe(chunk(d, finish));
        expect(frames.usage(usage)).toBe(sseData({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
      }),
      params,
    );
  });
});
