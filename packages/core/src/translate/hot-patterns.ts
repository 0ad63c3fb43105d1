/**
 * What the hot paths of every pair share: the pattern pieces for JSON
 * literals, and the rule that makes a matched literal the bytes the full
 * path would write. A frame or answer the patterns recognise whole skips the
 * full JSON.parse and re-serialisation (measured per 160-byte OpenAI chunk:
 * ~0.6 µs for the parse alone, ~0.1 µs for the match); any other shape, an
 * extra or reordered field, or an odd value does not match and takes the
 * full, defensive path. The bytes are the same either way (tested).
 */
import { parseJsonObject } from './json.js';

/** A JSON string literal without raw control characters (invalid JSON: the full parse decides what such a frame is) */
export const TEXT = String.raw`("(?:[^"\\\x00-\x1f]|\\.)*")`;
/** A string without escapes or raw control characters (ids, model names); any other takes the full parse */
export const PLAIN = String.raw`"[^"\\\x00-\x1f]*"`;
/** A JSON integer as JSON writes one: no leading zeros (`01` is no JSON, and the full parse drops such a frame) */
export const INT = String.raw`(?:0|[1-9]\d*)`;

/** A JSON object with objects at most one level inside it, no string holding a brace (usage counters and their details) */
export const FLAT_OBJECT = String.raw`(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})`;

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

/** A matched answer: its text as a JSON literal, its stop/finish word (if any) and its usage, parsed alone. */
export interface PlainAnswer {
  text: string;
  stop: string | undefined;
  usage: Record<string, unknown>;
}

/** What both directions read the same way; groups of `pattern`: text, stop/finish word, usage. */
export function plainAnswer(pattern: RegExp, answer: string): PlainAnswer | null {
  const m = pattern.exec(answer);
  const text = m ? canonical(m[1]!) : null;
  const usage = text === null ? null : parseJsonObject(m![3]!);
  return usage ? { text: text!, stop: m![2], usage } : null;
}
