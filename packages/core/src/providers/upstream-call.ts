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

export interface CallOptions {
  signal: AbortSignalLike | undefined;
  /** called once when the call is over: answered in full, failed or destroyed */
  onClose: (() => void) | undefined;
  /** maps undici's errors to the proxy's (an abort by the call's signal to ClientAbort) */
  mapError: (e: unknown, signal: AbortSignalLike | undefined) => unknown;
  /** most bytes a whole-body read (`bytes()`, `text()`) may buffer */
  maxBytes: number;
  /** the error a whole-body read fails with past `maxBytes` */
  tooLarge: () => Error;
}

/** A whole-body read in progress: past `limit` it fails (or, `truncate`, resolves with what it has) and the call is cut. */
interface Collector extends Settle<Buffer> {
  limit: number;
  truncate: boolean;
}

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
  private collector: Collector | null = null;
  private closed = false;
  private readonly onAbort = () => this.abort(new Aborted());
  private readonly signal: AbortSignalLike | undefined;

  constructor(
    response: Settle<UpstreamResponse>,
    private readonly opts: CallOptions,
  ) {
    this.response = response;
    this.signal = opts.signal;
    this.signal?.addEventListener('abort', this.onAbort);
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
    const collector = this.collector;
    if (!collector) {
      if (this.queued >= HIGH_WATER) controller.pause();
    } else if (this.queued > collector.limit) this.overflow(collector);
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
    const e = this.opts.mapError(err, this.signal);
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

  /** The rest of the body in one buffer; past the call's byte bound it fails and the call is cut. */
  bytes(): Promise<Buffer> {
    return this.collect(this.opts.maxBytes, false);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async textUpTo(limit: number): Promise<string> {
    return (await this.collect(limit, true)).toString('utf8', 0, limit);
  }

  private collect(limit: number, truncate: boolean): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error);
    if (this.queued > limit) {
      // already past the bound with what was queued before the read began
      return new Promise((resolve, reject) => this.overflow({ resolve, reject, limit, truncate }));
    }
    if (this.ended || this.closed) return Promise.resolve(this.drain());
    this.controller?.resume();
    return new Promise((resolve, reject) => (this.collector = { resolve, reject, limit, truncate }));
  }

  /** A whole-body read went past its bound: settle it, drop the buffered bytes and cut the upstream at once. */
  private overflow(c: Collector): void {
    this.collector = null;
    const head = c.truncate ? this.drain() : null;
    this.chunks.length = 0;
    this.queued = 0;
    const err = this.opts.tooLarge();
    this.error ??= err;
    if (head) c.resolve(head);
    else c.reject(err);
    this.abort(err);
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
    this.opts.onClose?.();
  }
}

/**
 * Sends one request; resolves with the status and headers once they arrive,
 * the body readable once (iterated, or whole with bytes()/text()).
 */
export function dispatchCall(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, opts: CallOptions): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const call = new UpstreamCall({ resolve, reject }, opts);
    if (opts.signal?.aborted) call.destroy();
    else dispatcher.dispatch(request, call);
  });
}
