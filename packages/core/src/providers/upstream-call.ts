import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AbortSignalLike } from '../http/signal.js';
import type { UpstreamBody, UpstreamResponse } from './types.js';

/** Bytes buffered ahead of a slow reader before the upstream socket is paused. */
const HIGH_WATER = 64 * 1024;

class Aborted extends Error {
  override name = 'AbortError';
  constructor() {
    super('the request was aborted');
  }
}

type Settle<T> = { resolve(v: T): void; reject(e: unknown): void };

/**
 * One upstream call driven by undici's `dispatch()` with this object as the
 * handler, and the same object as the response body. undici's `request()`
 * wraps every response in a Readable stream plus a handler and a promise
 * chain of its own; a proxy reads each body exactly once, so a chunk queue
 * with one waiting reader does the job for a fraction of the CPU and garbage.
 */
class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamBody, AsyncIterator<Uint8Array> {
  private controller: Dispatcher.DispatchController | null = null;
  private response: Settle<UpstreamResponse> | null;
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown = null;
  private reader: Settle<IteratorResult<Uint8Array>> | null = null;
  private collector: Settle<Buffer> | null = null;
  private closed = false;
  private readonly onAbort = () => this.abort(new Aborted());

  constructor(
    response: Settle<UpstreamResponse>,
    private readonly signal: AbortSignalLike | undefined,
    /** called once when the call is over: answered in full, failed or destroyed */
    private readonly onClose: (() => void) | undefined,
    /** maps undici's errors to the proxy's */
    private readonly mapError: (e: unknown) => unknown,
  ) {
    this.response = response;
    signal?.addEventListener('abort', this.onAbort);
  }

  // ------------------------------------------------------------- undici handler
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.closed || this.signal?.aborted) controller.abort(this.error instanceof Error ? this.error : new Aborted());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational answers come first and are not the response
    if (statusCode < 200 || !this.response) return;
    this.controller = controller;
    const r = this.response;
    this.response = null;
    r.resolve({ statusCode, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.closed) return;
    const reader = this.reader;
    if (reader) {
      this.reader = null;
      reader.resolve({ value: chunk, done: false });
      return;
    }
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (!this.collector && this.queued >= HIGH_WATER) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    const reader = this.reader;
    this.reader = null;
    reader?.resolve({ value: undefined, done: true });
    const collector = this.collector;
    this.collector = null;
    collector?.resolve(this.drain());
    this.close();
  }

  onResponseError(_controller: unknown, err: Error): void {
    const e = this.mapError(err);
    this.error ??= e;
    if (this.response) {
      const r = this.response;
      this.response = null;
      r.reject(e);
    }
    const reader = this.reader;
    this.reader = null;
    reader?.reject(e);
    const collector = this.collector;
    this.collector = null;
    collector?.reject(e);
    this.close();
  }

  // ------------------------------------------------------------------ body
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.chunks.length) {
      const value = this.chunks.shift()!;
      this.queued -= value.length;
      if (this.queued < HIGH_WATER && this.controller?.paused) this.controller.resume();
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.ended || this.closed) return Promise.resolve({ value: undefined, done: true });
    this.controller?.resume();
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  ready(): boolean {
    return this.chunks.length > 0 || this.error !== null || this.ended || this.closed;
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The rest of the body in one buffer. */
  bytes(): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error);
    if (this.ended || this.closed) return Promise.resolve(this.drain());
    this.controller?.resume();
    return new Promise((resolve, reject) => (this.collector = { resolve, reject }));
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  /** Stops reading: an unfinished call is aborted (its socket is not reused). */
  destroy(): void {
    if (this.closed) return;
    this.abort(new Aborted());
  }

  private abort(err: Error): void {
    if (this.closed || this.ended) return;
    // before undici started the request there is no controller yet: onRequestStart aborts it
    if (this.controller) this.controller.abort(err);
    else this.onResponseError(null, err);
  }

  private drain(): Buffer {
    const b = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.queued);
    this.chunks.length = 0;
    this.queued = 0;
    return b;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onClose?.();
  }
}

/**
 * Sends one request; resolves with the status and headers once they arrive,
 * the body readable once (iterated, or whole with bytes()/text()).
 */
export function dispatchCall(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: AbortSignalLike | undefined,
  onClose: (() => void) | undefined,
  mapError: (e: unknown) => unknown,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const call = new UpstreamCall({ resolve, reject }, signal, onClose, mapError);
    if (signal?.aborted) call.destroy();
    else dispatcher.dispatch(opts, call);
  });
}
