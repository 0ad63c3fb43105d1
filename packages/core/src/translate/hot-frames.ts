/**
 * The frames a streamed answer is mostly made of, plain text deltas,
 * recognised whole by an anchored pattern so that neither a full JSON.parse
 * of the frame nor a JSON.stringify of its text is needed: the text's JSON
 * string literal is copied into the client's frame as it came. Measured per
 * 160-byte OpenAI chunk: ~0.6 µs for the parse alone, ~0.1 µs for the match.
 * The few other frames of a plain answer (role, finish, usage, block start
 * and stop) are recognised the same way. Any other shape, an extra or
 * reordered field, or an odd value does not match and takes the full,
 * defensive parse.
 */

import { parseJsonObject } from './json.js';

/** A JSON string literal without raw control characters (invalid JSON: the full parse decides what such a frame is) */
export const TEXT = String.raw`("(?:[^"\\\x00-\x1f]|\\.)*")`;
/** A string without escapes (ids, model names); one with escapes takes the full parse */
export const PLAIN = String.raw`"[^"\\]*"`;

/** A JSON object with objects at most one level inside it, no string holding a brace (usage counters and their details) */
export const FLAT_OBJECT = String.raw`(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})`;

/** The start of every OpenAI `chat.completion.chunk`, up to its choices; fields as OpenAI and compatible servers order them */
const OPENAI_CHUNK_HEAD =
  String.raw`^\{"id":${PLAIN},"object":"chat\.completion\.chunk","created":\d+,"model":${PLAIN},` +
  String.raw`(?:"service_tier":(?:null|${PLAIN}),)?(?:"system_fingerprint":(?:null|${PLAIN}),)?"choices":`;
const OPENAI_CHUNK_TAIL = String.raw`(?:,"obfuscation":${PLAIN})?\}$`;

/** A chunk whose delta is at most text (with the first chunk's role) and whose finish_reason is null or a plain word */
const OPENAI_TEXT_CHUNK = new RegExp(
  OPENAI_CHUNK_HEAD +
    String.raw`\[\{"index":0,"delta":\{(?:(?:"role":"assistant",)?"content":${TEXT}(?:,"refusal":null)?)?\},` +
    String.raw`"logprobs":null,"finish_reason":(?:null|"([a-z_]+)")\}\](?:,"usage":null)?` +
    OPENAI_CHUNK_TAIL,
);

/** The include_usage chunk: no choices, the usage */
const OPENAI_USAGE_CHUNK = new RegExp(OPENAI_CHUNK_HEAD + String.raw`\[\],"usage":${FLAT_OBJECT}` + OPENAI_CHUNK_TAIL);

/** Anthropic `content_block_delta` carrying a `text_delta` */
const ANTHROPIC_TEXT_DELTA = new RegExp(String.raw`^\{"type":"content_block_delta","index":\d+,"delta":\{"type":"text_delta","text":${TEXT}\}\}$`);

/** Anthropic's other per-block events, of which only the index varies: the start of a text block, and any block's stop */
const ANTHROPIC_TEXT_BLOCK_START = /^\{"type":"content_block_start","index":(0|[1-9]\d{0,8}),"content_block":\{"type":"text","text":""\}\}$/;
const ANTHROPIC_BLOCK_STOP = /^\{"type":"content_block_stop","index":(0|[1-9]\d{0,8})\}$/;
export const ANTHROPIC_MESSAGE_STOP = '{"type":"message_stop"}';

/** The empty string's literal */
export const EMPTY_TEXT = '""';

/**
 * A matched literal as JSON.stringify would write its value. Without a
 * backslash it already is: no quote, backslash or control character inside,
 * and no lone surrogate (those only come from \u escapes; decoded UTF-8 has
 * none). With escapes it is decoded and re-encoded (`\u00e9` → `é`, `\/` → `/`),
 * so the client's bytes are the same as the full path's.
 */
export function canonical(literal: string): string | null {
  if (literal.indexOf('\\') < 0) return literal;
  try {
    return JSON.stringify(JSON.parse(literal) as string);
  } catch {
    return null; // e.g. a bad \u escape: the full parse decides what the frame is
  }
}

export interface OpenAITextChunk {
  /** the delta's text as a JSON string literal (EMPTY_TEXT when there is none) */
  text: string;
  /** finish_reason, or '' while the answer goes on */
  finish: string;
}

/** The text and finish_reason of an OpenAI chunk that holds nothing else, else null. */
export function openaiTextChunk(data: string): OpenAITextChunk | null {
  const m = OPENAI_TEXT_CHUNK.exec(data);
  if (!m) return null;
  const text = m[1] === undefined ? EMPTY_TEXT : canonical(m[1]);
  return text === null ? null : { text, finish: m[2] ?? '' };
}

/** The index of an Anthropic content_block_start opening an empty text block, else -1. */
export function anthropicTextBlockStart(data: string): number {
  const m = ANTHROPIC_TEXT_BLOCK_START.exec(data);
  return m ? Number(m[1]) : -1;
}

/** The index of an Anthropic content_block_stop, else -1. */
export function anthropicBlockStop(data: string): number {
  const m = ANTHROPIC_BLOCK_STOP.exec(data);
  return m ? Number(m[1]) : -1;
}

/** The usage of an OpenAI include_usage chunk (parsed alone), else null. */
export function openaiUsageChunk(data: string): Record<string, unknown> | null {
  const m = OPENAI_USAGE_CHUNK.exec(data);
  return m ? parseJsonObject(m[1]!) : null;
}

/** The text of an Anthropic text_delta event as a JSON string literal, else null. */
export function anthropicTextDelta(data: string): string | null {
  const m = ANTHROPIC_TEXT_DELTA.exec(data);
  return m ? canonical(m[1]!) : null;
}
