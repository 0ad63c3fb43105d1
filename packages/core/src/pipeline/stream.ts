import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { clockMs } from '../clock.js';
import { ProxyError, upstreamErrorMessage } from '../errors.js';
import { clientCredential } from '../http/auth.js';
import type { CoreResponse } from '../http/types.js';
import type { Framing, StreamAssembly } from '../protocols/types.js';
import type { UpstreamResponse } from '../providers/types.js';
import type { StreamTranslator } from '../translate/types.js';
import { type Attempt, answerHeaders, recordFailure, Retry } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import type { ChatRequest } from './request.js';
import { fire, type StreamEnd } from './hooks.js';
import { pumpStream, type StreamOutcome } from './pump.js';

/** Enough of an error body for its message (and for passing a small one on); the rest is not read. */
export const ERROR_BODY_BYTES = 64 * 1024;

export async function readText(res: UpstreamResponse): Promise<string> {
  try {
    return await res.body.textUpTo(ERROR_BODY_BYTES);
  } catch {
    return '';
  }
}

/**
 * Stream: the first chunk is looked at before anything is committed, so an
 * upstream that fails at once can still fail over (waiting at most one
 * heartbeat period: after that the client gets keep-alives instead); then the
 * pump carries the rest, translated by the bridge or passed through, framed
 * by the upstream protocol's spec, and reports how it ended.
 */
export async function answerStream(a: Attempt, res: UpstreamResponse, framing: Framing, deps: PipelineDeps): Promise<CoreResponse | Retry> {
  const { c, req } = a;
  const contentType = String(res.headers['content-type'] ?? '');
  if (framing.kind === 'sse' && !contentType.includes('text/event-stream')) {
    const text = await readText(res);
    return new Retry(new ProxyError(502, `${c.provider.name}: expected an event stream, got ${contentType || 'no content-type'} (${upstreamErrorMessage(text).message})`));
  }
  // no timer when the first chunk is here already
  const ready = res.body.ready?.() === true;
  const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const head = it.next();
  const first = ready ? await head : await within(head, deps.heartbeatMs);
  if (first && !first.done && framing.startsWithError(latin1Head(first.value))) {
    const text = Buffer.from(first.value).toString('utf8') + (await readText(res));
    res.body.destroy();
    return new Retry(new ProxyError(502, `${c.provider.name}: ${upstreamErrorMessage(text.replace(/^(event: error\s*)?data: /, '')).message}`));
  }
  // a stream's time to first byte is its first chunk (headers may come before the model starts)
  let firstByteMs = clockMs() - a.started;
  if (!first) head.then(() => (firstByteMs = clockMs() - a.started), () => {});
  const progress = { complete: false };
  const hooks = deps.hooks;
  const assembly = hooks.onStreamEnd.length && (hooks.assembleStreams || req.assemble) ? new Assembly(req.client.assemble()) : null;
  const ended = (end: StreamEnd) => fire(hooks.onStreamEnd, req, end);
  const translator = a.bridge.stream(a.ctx) as StreamTranslator | null;
  const stream = pumpStream({
    progress,
    rest: it,
    head,
    client: req.client,
    framing,
    origin: c.provider.name,
    translator,
    signal: req.http.signal,
    release: () => res.body.destroy(),
    scrub: translator ? null : (deps.streamRedactor?.() ?? null),
    redact: deps.redact,
    idleMs: c.provider.idleMs,
    tap: assembly || hooks.onStreamChunk.length ? tapOf(assembly, hooks.onStreamChunk, req) : null,
    beforeEnd: hooks.onStreamEnd.length ? () => ended({ kind: 'complete', candidate: c, attempts: a.attempt, answer: assembly?.finish() ?? null }) : null,
    onEnd: (o: StreamOutcome) => {
      if (o.kind === 'complete') void deps.router.record(c, 'success', firstByteMs);
      else if (o.kind === 'failed') recordFailure(deps, req, c, o.error, a.sentKey ? clientCredential(req.http.headers) : undefined);
      else deps.log.debug({ provider: c.provider.name, model: c.model.id }, 'client left mid-stream; upstream released');
      if (o.kind !== 'complete' && hooks.onStreamEnd.length) {
        const end: StreamEnd = o.kind === 'failed' ? { kind: 'failed', candidate: c, attempts: a.attempt, error: o.error } : { kind: 'aborted', candidate: c, attempts: a.attempt };
        ended(end)?.catch((e: Error) => deps.log.error({ err: e.message }, 'a stream-end hook failed'));
      }
    },
  });
  return {
    status: 200,
    headers: answerHeaders(a, true),
    stream,
    heartbeat: { frame: req.client.heartbeat, everyMs: deps.heartbeatMs },
    complete: () => progress.complete,
  };
}

/** Feeds each chunk the client gets to the assembly and to the hooks that watch chunks. */
function tapOf(assembly: Assembly | null, fns: readonly ((req: ChatRequest, chunk: string | Uint8Array) => void)[], req: ChatRequest): (chunk: string | Uint8Array) => void {
  if (!assembly && fns.length === 1) {
    const f = fns[0]!;
    return (chunk) => f(req, chunk);
  }
  return (chunk) => {
    assembly?.feed(chunk);
    for (let i = 0; i < fns.length; i++) fns[i]!(req, chunk);
  };
}

/** What the client was sent, parsed again and assembled into the whole answer (only when a hook reads it). */
class Assembly {
  private readonly decoder = new StringDecoder('utf8');
  private readonly parser = createParser({ onEvent: (e) => this.into.push(e) });
  constructor(private readonly into: StreamAssembly) {}

  feed(chunk: string | Uint8Array): void {
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  }

  /** the answer, or null when what was sent does not assemble (an in-stream error) */
  finish(): Record<string, unknown> | null {
    try {
      return this.into.finish() as Record<string, unknown>;
    } catch {
      return null;
    }
  }
}

function latin1Head(chunk: Uint8Array): string {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1', 0, 64);
}

/** The promise's value if it settles within `ms`, else undefined (the promise keeps running). */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(timer));
}
