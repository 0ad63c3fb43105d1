import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { clockMs } from '../clock.js';
import { ProxyError } from '../errors.js';
import type { AbortSignalLike } from '../http/signal.js';
import type { ClientSpec, Framing } from '../protocols/types.js';
import { ClientAbort, transportError } from '../providers/http.js';
import type { StreamRedactor } from '../secrets.js';
import type { StreamTranslator } from '../translate/types.js';

/** How an upstream stream ended, reported once. */
export type StreamOutcome = { kind: 'complete' } | { kind: 'failed'; error: ProxyError } | { kind: 'aborted' };

export interface PumpOptions {
  /** the upstream body's chunks; `head` is its first read, possibly still pending */
  rest: AsyncIterator<Uint8Array>;
  head: Promise<IteratorResult<Uint8Array>>;
  client: ClientSpec;
  /** the upstream protocol's framing: its end marker, its error events */
  framing: Framing;
  /** the provider's name, for errors */
  origin: string;
  /** null: the client speaks the upstream's protocol and bytes pass through untouched */
  translator: StreamTranslator | null;
  signal: AbortSignalLike;
  /** set once the upstream's end marker went through: what follows is only the upstream's close */
  progress: { complete: boolean };
  onEnd(outcome: StreamOutcome): void;
  /** awaited (when it returns a promise) once the stream is complete, before its last bytes are yielded: a hook's write lands first */
  beforeEnd: (() => Promise<void> | undefined) | null;
  /** sees every chunk the client gets (assembling the answer for a hook); null: nobody asked */
  tap: ((chunk: string | Uint8Array) => void) | null;
  /** releases the upstream body (destroys the socket's stream) */
  release(): void;
  /** masks configured secrets in passed-through bytes; null when none are configured */
  scrub: StreamRedactor | null;
  /** masks configured secrets in text (the translated frame of an upstream error event) */
  redact: (text: string) => string;
  /** ms of keep-alive comments without data after which the stream is cut */
  idleMs: number;
}

const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * A chunk of SSE comments (keep-alives) and blank lines only. A chunk that
 * does not start with ':' counts as data at the cost of one comparison.
 */
export function onlyComments(b: Uint8Array): boolean {
  if (b[0] !== 0x3a) return false;
  for (let i = b.indexOf(10); i >= 0 && i < b.length - 1; i = b.indexOf(10, i + 1)) {
    const c = b[i + 1];
    if (c !== 0x3a && c !== 10 && c !== 13) return false;
  }
  return true;
}

/** What a translating pump feeds text to: SSE events, or one event per line of newline-delimited JSON. */
function eventParser(kind: Framing['kind'], handlers: { onEvent(e: EventSourceMessage): void }): { feed(text: string): void; end?(): void } {
  if (kind === 'sse') return createParser(handlers);
  let carry = '';
  const line = (l: string) => {
    if (l.trim()) handlers.onEvent({ data: l.trim(), event: undefined, id: undefined });
  };
  return {
    feed(text) {
      const lines = (carry + text).split('\n');
      carry = lines.pop()!;
      for (const l of lines) line(l);
    },
    // the last line needs no newline
    end: () => line(carry),
  };
}

const HEAD_BYTES = 64;

/**
 * The first bytes of each event passing through, for a framing whose end event is known by its head (its
 * data, the whole answer, is too long for the tail): `push` says whether the bytes so far end with that event.
 */
export class EventHeads {
  /** the head of the event being received */
  private head = '';
  /** the head of the last event that ended */
  private ended = '';
  private newline = false;

  constructor(private readonly end: RegExp) {}

  push(b: Buffer): boolean {
    let pos = 0;
    // a blank line split between two chunks
    if (this.newline && b[0] === 10) {
      this.ended = this.head;
      this.head = '';
      pos = 1;
    }
    for (;;) {
      const j = b.indexOf('\n\n', pos, 'latin1');
      const stop = j < 0 ? b.length : j;
      if (this.head.length < HEAD_BYTES) this.head += b.toString('latin1', pos, Math.min(stop, pos + HEAD_BYTES - this.head.length));
      if (j < 0) break;
      if (this.head.trim()) this.ended = this.head;
      this.head = '';
      pos = j + 2;
    }
    this.newline = b[b.length - 1] === 10;
    return this.head.trim() === '' && this.end.test(this.ended);
  }
}

/**
 * Yields what the client should receive from an upstream SSE body. Passthrough
 * forwards bytes and only watches the tail for the protocol's end marker; a
 * translating pump parses events and hands them to the translator. Either way
 * a broken or truncated upstream ends in an in-stream error in the client's
 * protocol, and the outcome is reported exactly once.
 */
export async function* pumpStream(o: PumpOptions): AsyncGenerator<string | Uint8Array> {
  const { endFrame, isEnd, isError } = o.framing;
  /** the stream has no end marker at all: it ends when the upstream closes it */
  const unmarked = endFrame === null && !o.framing.endHead;
  let complete = false;
  let upstreamError: string | null = null;
  let tail = '';
  const heads = !o.translator && o.framing.endHead ? new EventHeads(o.framing.endHead) : null;
  let out = '';
  const decoder = new StringDecoder('utf8');
  const parser = o.translator
    ? eventParser(o.framing.kind, {
        onEvent: (e) => {
          if (isEnd(e)) complete = o.progress.complete = true;
          else if (isError(e)) {
            // an upstream's error text may quote the key it was sent
            upstreamError ??= e.data.slice(0, 500);
            out += o.redact(o.translator!.push(e));
            return;
          }
          out += o.translator!.push(e);
        },
      })
    : null;

  let lineBytes = 0;
  const take = (chunk: Uint8Array): string | Uint8Array => {
    if (!parser) {
      // the end marker may straddle two chunks: keep a short tail
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      tail = (tail + b.toString('latin1', Math.max(0, b.length - 96))).slice(-96);
      complete = o.progress.complete = (endFrame !== null && endFrame.test(tail)) || (heads !== null && heads.push(b));
      return o.scrub ? o.scrub.push(chunk) : chunk;
    }
    // the parser buffers a line until its newline: bound it so a hostile upstream cannot grow memory without limit
    const nl = chunk.lastIndexOf(10);
    lineBytes = nl < 0 ? lineBytes + chunk.length : chunk.length - nl - 1;
    if (lineBytes > MAX_LINE_BYTES) throw new ProxyError(502, `upstream ${o.origin} sent an SSE line over ${MAX_LINE_BYTES >> 20} MiB`);
    out = '';
    parser.feed(decoder.write(chunk));
    return out;
  };

  // keep-alive comments are not activity: an upstream that sends only them is cut after idleMs (undici's
  // body timeout sees bytes, so it never fires); read from the clock only when a comment chunk comes
  let dataChunks = 0;
  let seenChunks = -1;
  let lastData = 0;
  const stillAlive = (): void => {
    const now = clockMs();
    if (dataChunks !== seenChunks) {
      seenChunks = dataChunks;
      lastData = now;
    } else if (now - lastData >= o.idleMs) {
      throw new ProxyError(504, `${o.origin}: the stream sent only keep-alive comments for ${Math.round(o.idleMs / 1000)}s`);
    }
  };

  let outcome: StreamOutcome = { kind: 'complete' };
  try {
    let head: Promise<IteratorResult<Uint8Array>> | null = o.head;
    for (;;) {
      const r = head ? await head : await o.rest.next();
      head = null;
      if (r.done) break;
      if (onlyComments(r.value)) stillAlive();
      else dataChunks++;
      const wasComplete = complete;
      const x = take(r.value);
      if (x.length) o.tap?.(x);
      if (complete && !wasComplete && o.beforeEnd) {
        const pending = o.beforeEnd();
        if (pending) await pending;
      }
      if (x.length) yield x;
    }
    if (parser?.end) {
      out = '';
      parser.end();
      if (out) {
        o.tap?.(out);
        yield out;
      }
    }
    const held = o.scrub?.flush();
    if (held?.length) {
      o.tap?.(held);
      yield held;
    }
    // a protocol without an end marker is complete when the upstream closes its stream cleanly
    if (unmarked && !upstreamError) complete = o.progress.complete = true;
    if (upstreamError) outcome = { kind: 'failed', error: new ProxyError(502, `upstream error in stream: ${upstreamError}`) };
    else if (!complete) {
      outcome = { kind: 'failed', error: new ProxyError(502, `upstream ${o.origin} ended the stream early`) };
    }
    const last = o.translator
      ? o.translator.finish()
      : complete
        ? ''
        : o.client.streamErrorFrame(502, o.redact(outcome.kind === 'failed' ? outcome.error.message : ''));
    if (last) o.tap?.(last);
    if (complete && unmarked && o.beforeEnd) {
      const pending = o.beforeEnd();
      if (pending) await pending;
    }
    if (last) yield last;
  } catch (e) {
    const err = transportError(e, o.origin, o.signal);
    if (err instanceof ClientAbort) {
      outcome = { kind: 'aborted' };
      return;
    }
    outcome = { kind: 'failed', error: err };
    const held = o.scrub?.flush();
    if (held?.length) yield held;
    yield o.translator ? o.translator.fail(err.status, err.message) : o.client.streamErrorFrame(err.status, err.message);
  } finally {
    // also reached when the consumer stops early (client gone): release the upstream at once
    if (o.signal.aborted && outcome.kind !== 'failed') outcome = { kind: 'aborted' };
    o.release();
    o.onEnd(outcome);
  }
}
