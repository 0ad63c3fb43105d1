import { randomUUID } from 'node:crypto';
import { clockMs } from './clock.js';
import type { ProxyError } from './errors.js';
import { header, type CoreRequest, type CoreResponse } from './http/types.js';
import type { ChatHooks } from './pipeline/hooks.js';

/** What one request amounted to, reported once at its end (a stream's end for a stream). */
export interface RequestRecord {
  /** the client's x-request-id when it sent one (up to 200 printable ASCII characters, no quote or backslash), else generated; returned as x-request-id */
  id: string;
  method: string;
  path: string;
  /** the route's pattern ("/v1/chat/completions", "/api/v1/session/:id"); "unmatched" for no route */
  route: string;
  /** the client protocol of a chat request; null for other routes */
  client: string | null;
  /** the model the client asked for (chat requests) */
  modelAsked: string | null;
  /** the model and provider that answered, null when none did */
  model: string | null;
  provider: string | null;
  /** a bounded metrics label: the model served, else the model asked when it is a catalog model, else "other" ("none" off the chat routes) */
  modelLabel: string;
  attempts: number;
  status: number;
  stream: boolean;
  /** a stream's end: complete, or cut (client gone, upstream failed mid-way) */
  outcome: 'complete' | 'cut' | null;
  durationMs: number;
  /** when it ended (a stream's end), ms since the epoch */
  endedAt: number;
  /** until the first byte of the answer left the proxy (a stream's first chunk) */
  ttfbMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  sessionId: string | null;
}

/** A failed upstream call, with the kind of its failure. */
export interface AttemptFailure {
  provider: string;
  model: string;
  kind: 'connect' | 'timeout' | 'status' | 'invalid_answer';
  status: number;
}

/**
 * What operations plug into a proxy (`createProxy({ observer })`): metrics, an
 * access log. It sees each request once at its end, each failed upstream call,
 * streams starting and ending; it may serve /metrics. One observer may be
 * given to several proxies in turn (a reloaded config): what it counts goes on.
 */
export interface Observer {
  request(rec: RequestRecord): void;
  attemptFailed?(f: AttemptFailure): void;
  /** +1 when a stream starts, -1 when it ends */
  streams?(delta: 1 | -1): void;
  /** the Prometheus text of GET /metrics */
  metrics?(): Promise<{ contentType: string; body: string }>;
}

const PLAIN = /^[ !#-[\]-~]*$/;
/** printable ASCII without quotes or backslashes: what JSON quotes as it is (a client's request id is taken only so) */
export const plainText = (s: string): boolean => PLAIN.test(s);
/**
 * Generated request ids: this process's random prefix and a count (unique, and far cheaper than a UUID each).
 * The count's last two digits come from a table and the rest is joined to the prefix once a hundred ids,
 * so that an id costs one join, not a number's conversion.
 */
const ID_PREFIX = randomUUID().slice(0, 13) + '-';
const TWO_DIGITS = Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0'));
let idHundreds = 0;
let idLow = -1;
let idHead = ID_PREFIX + '0';
function nextId(): string {
  if (++idLow === 100) {
    idLow = 0;
    idHead = ID_PREFIX + ++idHundreds;
  }
  return idHead + TWO_DIGITS[idLow]!;
}
type Chunk = string | Uint8Array;

// the wall clock from the monotonic reading a record takes anyway: their offset is read again once a second, so
// the wall clock's adjustments show within a second, for one Date.now() a second rather than one per request
let offset = Date.now() - clockMs();
let synced = clockMs();
function epochMs(now: number): number {
  if (now - synced > 1000) {
    synced = now;
    offset = Date.now() - now;
  }
  return now + offset;
}

/**
 * A request's record while it is under way: made when it arrives, filled by the route table, the
 * pipeline's hooks and the answer, reported once. A class, so that every record has one shape.
 */
export class Observation implements RequestRecord {
  id: string;
  method: string;
  path: string;
  route = 'unmatched';
  client: string | null = null;
  modelAsked: string | null = null;
  model: string | null = null;
  provider: string | null = null;
  modelLabel = 'none';
  attempts = 0;
  status = 0;
  stream = false;
  outcome: 'complete' | 'cut' | null = null;
  durationMs = 0;
  endedAt = 0;
  ttfbMs: number | null = null;
  tokensIn: number | null = null;
  tokensOut: number | null = null;
  sessionId: string | null = null;
  readonly started = clockMs();
  // a stream's usage rides in its first frames (Anthropic's message_start) and its last ones: those chunks are kept, read at the end
  first: Chunk | null = null;
  prev: Chunk | null = null;
  last: Chunk | null = null;
  /** reports a stream that was cut (set while a stream is followed) */
  finish: (() => void) | null = null;

  constructor(req: CoreRequest) {
    const id = header(req.headers, 'x-request-id');
    this.id = id && id.length <= 200 && plainText(id) ? id : nextId();
    this.method = req.method;
    this.path = req.path;
  }
}

/**
 * The hooks that keep a stream's usage frames, note its end and report failed calls; the rest of a chat request's
 * record is filled on the way (runChat: protocol and model asked; answerHeaders: who answered; sessions: the id).
 */
export function observerHooks(observer: Observer): ChatHooks {
  return {
    onStreamChunk(req, chunk) {
      const r = req.observation;
      if (!r) return;
      if (r.first === null) r.first = chunk;
      else {
        r.prev = r.last;
        r.last = chunk;
      }
    },
    onStreamEnd(req, end) {
      const r = req.observation;
      if (!r) return;
      r.outcome = end.kind === 'complete' ? 'complete' : 'cut';
      // a cut stream has no later end to wait for; a complete one ends when its consumer is done (the wrapper's return)
      if (end.kind !== 'complete') r.finish?.();
    },
    onAttemptFailure: observer.attemptFailed
      ? (_req, c, error) => observer.attemptFailed!({ provider: c.provider.name, model: c.model.id, kind: failureKind(error), status: error.status })
      : undefined,
  };
}

/** The kind of a failed call, from the error the pipeline made of it. */
export function failureKind(e: ProxyError): AttemptFailure['kind'] {
  const m = e.message;
  if (e.status === 504) return 'timeout';
  if (m.includes(' unreachable: ') || m.endsWith('the call was cut') || e.code === 'proxy_call_failed') return 'connect';
  if (m.includes('without a valid response') || m.includes('expected an event stream') || m.includes('instead of an answer') || m.includes('stream')) return 'invalid_answer';
  return 'status';
}

/**
 * Completes a request's record from its answer and reports it: now for a whole answer, at its end for a
 * stream, which is followed for its usage and its end (chunks pass untouched, no promise of its own per chunk).
 */
export function observed(rec: Observation, res: CoreResponse, observer: Observer, known: (model: string) => boolean): void {
  res.headers['x-request-id'] = rec.id;
  rec.status = res.status;
  // who answered, after how many attempts, and the session were set on the way (the pipeline, the sessions feature)
  const served = rec.model;
  rec.modelLabel = served ?? (rec.modelAsked === null ? 'none' : known(rec.modelAsked) ? rec.modelAsked : 'other');
  if (!res.stream) {
    const now = clockMs();
    rec.durationMs = rec.ttfbMs = now - rec.started;
    rec.endedAt = epochMs(now);
    if (res.status === 200 && served !== null && res.body !== undefined) usageOfAnswer(rec, res.body);
    observer.request(rec);
    return;
  }
  rec.stream = true;
  // the first chunk was looked at before the answer was committed: the stream's first byte leaves now
  rec.ttfbMs = clockMs() - rec.started;
  observer.streams?.(1);
  const finish = () => {
    if (rec.finish === null) return;
    rec.finish = null;
    const now = clockMs();
    rec.durationMs = now - rec.started;
    rec.endedAt = epochMs(now);
    rec.outcome ??= res.complete?.() ? 'complete' : 'cut';
    if (rec.first !== null) usageOfFrames(rec, rec.first);
    if (rec.prev !== null) usageOfFrames(rec, rec.prev);
    if (rec.last !== null) usageOfFrames(rec, rec.last);
    rec.first = rec.prev = rec.last = null;
    observer.streams?.(-1);
    observer.request(rec);
  };
  rec.finish = finish;
  res.stream = whenReturned(res.stream, finish);
}

/**
 * The same stream, calling `done` when its consumer returns it (the adapters do at its end, however it
 * ended). Chunks pass through untouched: no promise of its own per chunk.
 */
export function whenReturned<T>(inner: AsyncIterable<T>, done: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = inner[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: (value?: unknown) => {
          done();
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined as T });
        },
      };
    },
  };
}

/**
 * The usage of a whole answer: its last `"usage"` key, searched from the end (both protocols put usage
 * last; a key inside a tool's arguments would be escaped, or come before it).
 */
function usageOfAnswer(rec: RequestRecord, body: Chunk): void {
  if (typeof body === 'string') return usageInText(rec, body, body.lastIndexOf('"usage"'));
  // in place over the last bytes, where usage is (a native search costs more than it saves there), then natively
  const near = Math.max(0, body.length - NEAR);
  const at = lastKey(body, body.length - 7, near);
  if (at >= 0) usageAt(rec, body, at);
  else if (near > 0) {
    const far = asBuffer(body).lastIndexOf(USAGE_KEY, near - 1);
    if (far >= 0) usageAt(rec, body, far);
  }
}

/** The usage in stream frames, each `"usage"` in turn: a later count replaces an earlier one (they are totals). */
function usageOfFrames(rec: RequestRecord, c: Chunk): void {
  if (typeof c === 'string') {
    for (let at = c.indexOf('"usage"'); at >= 0; at = c.indexOf('"usage"', at + 7)) usageInText(rec, c, at);
    return;
  }
  if (c.length > NEAR) {
    const b = asBuffer(c);
    for (let at = b.indexOf(USAGE_KEY); at >= 0; at = b.indexOf(USAGE_KEY, at + 7)) usageAt(rec, c, at);
  } else for (let at = nextKey(c, 0); at >= 0; at = nextKey(c, at + 7)) usageAt(rec, c, at);
}

/** usage in the proxy's own (translated) text: its keys and digits are ASCII, so its bytes are read as latin1 */
function usageInText(rec: RequestRecord, t: string, at: number): void {
  if (at >= 0) usageAt(rec, Buffer.from(t.slice(at, at + WINDOW), 'latin1'), 0);
}

/** how far past its key a usage object is read: theirs are a few hundred bytes */
const WINDOW = 2048;
/** bytes searched in place (an answer's last ones, a short frame); past them Buffer's native search, whose call costs more up to there */
const NEAR = 512;
const USAGE_KEY = Buffer.from('"usage"');
const asBuffer = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
// Horspool's skips for `"usage"`, by the byte at a window's end (forward) or start (backward)
const FORWARD = new Uint8Array(256).fill(7);
const BACKWARD = new Uint8Array(256).fill(7);
for (let k = 0; k < 6; k++) FORWARD[USAGE_KEY[k]!] = 6 - k;
for (let k = 6; k >= 1; k--) BACKWARD[USAGE_KEY[k]!] = k;
const isKey = (b: Uint8Array, at: number) =>
  b[at] === 0x22 && b[at + 1] === 0x75 && b[at + 2] === 0x73 && b[at + 3] === 0x61 && b[at + 4] === 0x67 && b[at + 5] === 0x65 && b[at + 6] === 0x22;

/** the start of the last `"usage"` that starts in [to, from] */
function lastKey(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i >= to; i -= BACKWARD[b[i]!]!) if (isKey(b, i)) return i;
  return -1;
}

/** the start of the first `"usage"` at or after `from` */
function nextKey(b: Uint8Array, from: number): number {
  for (let i = from + 6; i < b.length; i += FORWARD[b[i]!]!) if (isKey(b, i - 6)) return i - 6;
  return -1;
}
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Token counts from the usage object whose key starts at `at`, read in place (no decoding, no regular
 * expression): its top-level `"name": digits` pairs of either protocol's names, until it ends or both
 * counts were read; nested objects skipped.
 */
function usageAt(rec: RequestRecord, b: Uint8Array, at: number): void {
  const n = Math.min(b.length, at + WINDOW);
  let i = at + 7;
  while (i < n && isSpace(b[i]!)) i++;
  if (b[i] !== 58 /* : */) return;
  i++;
  while (i < n && isSpace(b[i]!)) i++;
  if (b[i] !== 123 /* { */) return;
  let depth = 0;
  let found = 0;
  for (; i < n; i++) {
    const c = b[i]!;
    if (c === 123) depth++;
    else if (c === 125 /* } */) {
      if (--depth === 0) return;
    } else if (c === 34 /* " */) {
      const which = depth === 1 ? countName(b, i + 1) : 0;
      if (which === 0) {
        // past a string this is not looking for
        for (i++; i < n && b[i] !== 34; i++) if (b[i] === 92 /* \ */) i++;
        continue;
      }
      let j = i + 1 + NAME_LENGTHS[which]!;
      while (j < n && isSpace(b[j]!)) j++;
      const d0 = j;
      let v = 0;
      for (; j < n && j - d0 < 15 && b[j]! >= 48 && b[j]! <= 57; j++) v = v * 10 + b[j]! - 48;
      i = j - 1;
      if (j === d0) continue;
      if (which <= 2) rec.tokensIn = v;
      else rec.tokensOut = v;
      found |= which <= 2 ? 1 : 2;
      if (found === 3) return;
    }
  }
}

// the names counted, after their opening quote through their closing quote and colon, compared byte by byte
// in line (a loop over a name's bytes cost twice as much): 1 and 2 are tokens in, 3 and 4 out
const NAME_LENGTHS = [0, 15, 14, 19, 15];
/** `_tokens":` at s */
const tokensColon = (b: Uint8Array, s: number) =>
  b[s] === 0x5f && b[s + 1] === 0x74 && b[s + 2] === 0x6f && b[s + 3] === 0x6b && b[s + 4] === 0x65 && b[s + 5] === 0x6e && b[s + 6] === 0x73 && b[s + 7] === 0x22 && b[s + 8] === 0x3a;

/** which counted name starts at `s` (0: none): `prompt_tokens":`, `input_tokens":`, `completion_tokens":`, `output_tokens":` */
function countName(b: Uint8Array, s: number): number {
  switch (b[s]) {
    case 0x70: // prompt
      return b[s + 1] === 0x72 && b[s + 2] === 0x6f && b[s + 3] === 0x6d && b[s + 4] === 0x70 && b[s + 5] === 0x74 && tokensColon(b, s + 6) ? 1 : 0;
    case 0x69: // input
      return b[s + 1] === 0x6e && b[s + 2] === 0x70 && b[s + 3] === 0x75 && b[s + 4] === 0x74 && tokensColon(b, s + 5) ? 2 : 0;
    case 0x63: // completion
      return b[s + 1] === 0x6f && b[s + 2] === 0x6d && b[s + 3] === 0x70 && b[s + 4] === 0x6c && b[s + 5] === 0x65 && b[s + 6] === 0x74 && b[s + 7] === 0x69 && b[s + 8] === 0x6f && b[s + 9] === 0x6e && tokensColon(b, s + 10) ? 3 : 0;
    case 0x6f: // output
      return b[s + 1] === 0x75 && b[s + 2] === 0x74 && b[s + 3] === 0x70 && b[s + 4] === 0x75 && b[s + 5] === 0x74 && tokensColon(b, s + 6) ? 4 : 0;
    default:
      return 0;
  }
}
