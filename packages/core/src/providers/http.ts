import { Pool, errors, type Dispatcher } from 'undici';
import { ProxyError } from '../errors.js';
import { ClientAbort } from './abort.js';
import { Limiter } from './limiter.js';
import type { AbortSignalLike } from '../http/signal.js';
import type { UpstreamResponse } from './types.js';
import { dispatchCall } from './upstream-call.js';

export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

/**
 * Keep-alive pools, one per upstream origin (and connect timeout), shared by
 * every provider on that origin. An injected dispatcher replaces them all.
 */
export class Pools {
  private readonly pools = new Map<string, Dispatcher>();
  constructor(private readonly injected?: Dispatcher) {}

  get(origin: string, connectMs: number): Dispatcher {
    if (this.injected) return this.injected;
    const key = `${origin}|${connectMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { timeout: connectMs },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }
}

export interface Concurrency {
  /** concurrent chat requests; unset = unbounded */
  maxConcurrent?: number | undefined;
  /** requests waiting for a slot before new ones get 429 */
  maxQueue?: number | undefined;
}

/** An upstream origin plus the base path under it. */
export class Upstream {
  readonly origin: string;
  readonly basePath: string;
  private readonly limiter: Limiter | null;
  /** looked up once: the pool map's string key costs more than the rest of the lookup */
  private dispatcher: Dispatcher | undefined;
  constructor(
    baseURL: string,
    private readonly pools: Pools,
    readonly timeouts: Timeouts,
    concurrency: Concurrency = {},
  ) {
    const u = new URL(baseURL);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.limiter = concurrency.maxConcurrent ? new Limiter(u.host, concurrency.maxConcurrent, concurrency.maxQueue ?? 100) : null;
  }

  /**
   * One upstream call. `limited` calls (chats) hold a concurrency slot until
   * their response body is finished or destroyed.
   */
  request(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | null,
    signal?: AbortSignalLike,
    limited = false,
  ): Promise<UpstreamResponse> {
    const limiter = limited ? this.limiter : null;
    if (!limiter) return this.send(method, path, headers, body, signal, undefined);
    const release = () => limiter.release();
    const waiting = limiter.acquire(signal);
    return waiting
      ? waiting.then(() => this.send(method, path, headers, body, signal, release))
      : this.send(method, path, headers, body, signal, release);
  }

  private send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | null,
    signal: AbortSignalLike | undefined,
    onClose: (() => void) | undefined,
  ): Promise<UpstreamResponse> {
    const dispatcher = (this.dispatcher ??= this.pools.get(this.origin, this.timeouts.connectMs));
    return dispatchCall(
      dispatcher,
      {
        origin: this.origin,
        path: this.basePath + path,
        method,
        headers,
        body,
        headersTimeout: this.timeouts.firstByteMs,
        bodyTimeout: this.timeouts.idleMs,
        // redirects are never followed (no redirect interceptor): an upstream cannot steer traffic elsewhere
      },
      signal,
      onClose,
      (e) => transportError(e, this.origin, signal),
    );
  }
}

export { ClientAbort };

/** Errors of the network, the upstream or the client's abort, as opposed to bugs in the proxy. */
export function isTransportError(e: unknown): boolean {
  if (e instanceof ProxyError || e instanceof errors.UndiciError) return true;
  const x = e as { code?: unknown; name?: unknown } | null;
  return typeof x?.code === 'string' || x?.name === 'AbortError';
}

/** Maps undici's transport errors to proxy errors with a status (or ClientAbort). */
export function transportError(e: unknown, origin: string, signal?: AbortSignalLike): Error {
  if (signal?.aborted) return new ClientAbort();
  if (e instanceof ProxyError || e instanceof ClientAbort) return e;
  if (e instanceof errors.ConnectTimeoutError) return new ProxyError(504, `upstream ${origin}: connect timed out`);
  if (e instanceof errors.HeadersTimeoutError) return new ProxyError(504, `upstream ${origin}: no response before the first-byte timeout`);
  if (e instanceof errors.BodyTimeoutError) return new ProxyError(504, `upstream ${origin}: stream idle past the timeout`);
  if (e instanceof errors.ResponseExceededMaxSizeError) return new ProxyError(502, `upstream ${origin}: response too large`);
  const code = (e as { code?: string })?.code ?? '';
  const msg = (e as Error)?.message ?? String(e);
  return new ProxyError(502, `upstream ${origin} unreachable: ${code || msg}`);
}
