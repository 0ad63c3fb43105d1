import { nestedDeeperThan, MAX_JSON_DEPTH } from '../json-depth.js';
import { upstreamErrorMessage } from '../errors.js';
import { isErrorObject } from '../protocols/sse.js';
import { InvalidAnswer } from './types.js';

/**
 * An upstream's whole answer as JSON to translate: its depth checked first (what follows recurses over it:
 * zod, the translation, JSON.stringify), an error object or anything but an object refused.
 */
export function parseAnswer(buf: Buffer, text: string): object {
  if (nestedDeeperThan(buf)) throw new InvalidAnswer(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InvalidAnswer((e as Error).message);
  }
  // `"error": null` is no error (the Responses API writes it in every answer)
  if (typeof parsed !== 'object' || parsed === null || (parsed as { error?: unknown }).error != null || (parsed as { type?: unknown }).type === 'error') {
    throw new InvalidAnswer(upstreamErrorMessage(text.slice(0, 2000)).message);
  }
  return parsed;
}

/**
 * Why a passed-through body is not an answer, or null when it looks like one: a JSON object from its first
 * to its last byte, not starting as an error object. A framing check, no parse: the bytes go out as they came.
 */
export function answerShape(buf: Buffer): string | null {
  let i = 0;
  let j = buf.length - 1;
  while (i <= j && (buf[i] === 32 || buf[i] === 10 || buf[i] === 13 || buf[i] === 9)) i++;
  while (j >= i && (buf[j] === 32 || buf[j] === 10 || buf[j] === 13 || buf[j] === 9)) j--;
  if (buf[i] !== 123 || buf[j] !== 125) return 'not a JSON object';
  const head = buf.toString('latin1', i, Math.min(j, i + 40)).replace(/\s+/g, '');
  return isErrorObject(head) ? upstreamErrorMessage(buf.toString('utf8', 0, 2000)).message : null;
}
