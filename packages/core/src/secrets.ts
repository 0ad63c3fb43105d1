import type { Logger } from './logger.js';

const MASK = '[redacted]';

/** Secrets worth masking: at least 6 characters (shorter ones would mask ordinary text), longest first. */
function secretList(secrets: (string | undefined)[]): string[] {
  return [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort((a, b) => b.length - a.length);
}

/**
 * Masks configured secrets (token, provider keys, cookies) wherever text from
 * upstreams or errors could carry them: an upstream that echoes the key it
 * was sent must not leak it to clients or logs.
 */
export function makeRedactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = secretList(secrets);
  if (list.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  };
}

/** Masks secrets in a byte stream whose chunks may split a secret anywhere. */
export interface StreamRedactor {
  /** the chunk's bytes with secrets masked, less a tail that may be the start of one (held for the next chunk) */
  push(chunk: Uint8Array): Uint8Array;
  /** what is still held */
  flush(): Uint8Array;
}

/**
 * What streams are made of: both protocols' frames around some English. A secret is searched for by
 * whichever of its bytes is rarest here, so that a memchr finds few places to check.
 */
const TYPICAL =
  'data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":null},"finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":12,"completion_tokens":34}}\n\n' +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"","partial_json":"","thinking":"","signature":""}}\n\nevent: message_stop\n\n: keep-alive\n\n' +
  'The quick brown fox jumps over the lazy dog, and then it rests for a while in the sun. It is what it is; we will see, I think.';
const FREQUENCY = new Uint32Array(256);
for (let i = 0; i < TYPICAL.length; i++) FREQUENCY[TYPICAL.charCodeAt(i) & 255]!++;

/** A secret, searched for by its rarest byte (memchr-fast) and checked whole where that byte occurs. */
interface Needle {
  bytes: Buffer;
  anchor: number;
  /** where `anchor` sits in the secret */
  at: number;
  /** by byte value: the prefix lengths k (longest first) whose last byte it is, for a tail that may start the secret */
  endsOf: Map<number, number[]>;
}

function needle(secret: string): Needle {
  const bytes = Buffer.from(secret);
  let at = 0;
  for (let i = 1; i < bytes.length; i++) if (FREQUENCY[bytes[i]!]! < FREQUENCY[bytes[at]!]!) at = i;
  const endsOf = new Map<number, number[]>();
  for (let k = bytes.length - 1; k >= 1; k--) {
    const list = endsOf.get(bytes[k - 1]!);
    if (list) list.push(k);
    else endsOf.set(bytes[k - 1]!, [k]);
  }
  return { bytes, anchor: bytes[at]!, at, endsOf };
}

/** Where the secret starts in `data` from `from` on, or -1. */
function find(data: Buffer, n: Needle, from: number): number {
  for (let i = data.indexOf(n.anchor, from + n.at); i >= 0; i = data.indexOf(n.anchor, i + 1)) {
    const start = i - n.at;
    const end = start + n.bytes.length;
    // first and last byte in JS before the whole comparison (a native call)
    if (end <= data.length && data[start] === n.bytes[0] && data[end - 1] === n.bytes[n.bytes.length - 1] && data.compare(n.bytes, 0, n.bytes.length, start, end) === 0) return start;
  }
  return -1;
}

/**
 * A factory of stream redactors, or null when nothing is configured (then a
 * passed-through stream costs nothing more). A held tail is at most one
 * secret's length less one byte, and only when the chunk ends like the start
 * of a secret; a stream's end frame never does, so the last chunk goes out whole.
 */
export function makeStreamRedactor(secrets: (string | undefined)[]): (() => StreamRedactor) | null {
  const list = secretList(secrets).map(needle);
  if (list.length === 0) return null;
  const mask = Buffer.from(MASK);
  const EMPTY = Buffer.alloc(0);
  return () => {
    let held: Buffer = EMPTY;
    return {
      push(chunk) {
        let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (held.length) data = Buffer.concat([held, data]);
        for (const n of list) if (find(data, n, 0) >= 0) data = maskAll(data, n, mask);
        const keep = heldTail(data, list);
        held = keep ? Buffer.from(data.subarray(data.length - keep)) : EMPTY;
        return keep ? data.subarray(0, data.length - keep) : data;
      },
      flush() {
        const rest = held;
        held = EMPTY;
        return rest;
      },
    };
  };
}

function maskAll(data: Buffer, n: Needle, mask: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = find(data, n, 0); i >= 0; i = find(data, n, from)) {
    parts.push(data.subarray(from, i), mask);
    from = i + n.bytes.length;
  }
  parts.push(data.subarray(from));
  return Buffer.concat(parts);
}

/** Length of the longest end of `data` that is a proper start of some secret (0 for nearly every chunk). */
function heldTail(data: Buffer, list: readonly Needle[]): number {
  const n = data.length;
  if (n === 0) return 0;
  let best = 0;
  for (const s of list) {
    const ends = s.endsOf.get(data[n - 1]!);
    if (!ends) continue;
    for (const k of ends) {
      if (k <= best) break;
      if (k <= n && data.compare(s.bytes, 0, k, n - k, n) === 0) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** A logger whose string fields and messages pass through the redactor. */
export function redactingLogger(log: Logger, redact: (text: string) => string): Logger {
  const clean = (obj: object): object => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = typeof v === 'string' ? redact(v) : v;
    return out;
  };
  const wrap = (fn: Logger['info']): Logger['info'] => (obj, msg) => fn.call(log, clean(obj), msg === undefined ? msg : redact(msg));
  return { debug: wrap(log.debug), info: wrap(log.info), warn: wrap(log.warn), error: wrap(log.error) };
}
