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

/** What every provider's upstream calls share: the pools, timeouts and the bound on buffered answers. */
export interface UpstreamSettings {
  pools: Pools;
  timeouts: Timeouts;
  /** most bytes of one answer read whole (non-stream answers, error bodies, model lists) */
  maxAnswerBytes: number;
}

/** An upstream origin plus the base path under it. */
export class Upstream {
  readonly origin: string;
  readonly basePath: string;
  readonly timeouts: Timeouts;
  private readonly pools: Pools;
  readonly maxAnswerBytes: number;
  private readonly limiter: Limiter | null;
  /** looked up once: the pool map's string key costs more than the rest of the lookup */
  private dispatcher: Dispatcher | undefined;
  private readonly mapError: (e: unknown, signal: AbortSignalLike | undefined) => unknown;
  /** the error of an answer past `maxAnswerBytes` */
  readonly tooLarge: () => ProxyError;
  constructor(
    /** the provider's name: what clients are told (its address stays in the logs) */
    readonly label: string,
    baseURL: string,
    settings: UpstreamSettings,
    overrides: { timeouts?: Partial<Timeouts> | undefined } & Concurrency = {},
  ) {
    const u = new URL(baseURL);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.pools = settings.pools;
    this.timeouts = { ...settings.timeouts, ...overrides.timeouts };
    this.maxAnswerBytes = settings.maxAnswerBytes;
    this.limiter = overrides.maxConcurrent ? new Limiter(label, overrides.maxConcurrent, overrides.maxQueue ?? 100) : null;
    this.mapError = (e, signal) => transportError(e, label, signal);
    const max = this.maxAnswerBytes;
    this.tooLarge = () => new ProxyError(502, `${label}: the answer is larger than limits.maxAnswerBytes (${max} bytes); the call was cut`, null, 'answer_too_large');
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
      { signal, onClose, mapError: this.mapError, maxBytes: this.maxAnswerBytes, tooLarge: this.tooLarge },
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

/** Error codes that mean the network or the upstream's socket failed, not the proxy. */
const NETWORK = /^(E(CONN|HOST|NET|ADDR|PIPE|AI_|TIMEDOUT|PROTO)|UND_ERR_(SOCKET|CLOSED|DESTROYED|ABORTED|CONNECT|HEADERS_OVERFLOW|RES_|REQ_RETRY)|ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HPE_)/;

/**
 * Maps undici's transport errors to proxy errors with a status (or ClientAbort).
 * `label` names the provider: clients never see an upstream's address.
 */
export function transportError(e: unknown, label: string, signal?: AbortSignalLike): ProxyError | ClientAbort {
  if (signal?.aborted) return new ClientAbort();
  if (e instanceof ProxyError || e instanceof ClientAbort) return e;
  if (e instanceof errors.ConnectTimeoutError) return new ProxyError(504, `${label}: connect timed out`);
  if (e instanceof errors.HeadersTimeoutError) return new ProxyError(504, `${label}: no response before the first-byte timeout`);
  if (e instanceof errors.BodyTimeoutError) return new ProxyError(504, `${label}: stream idle past the timeout`);
  const code = (e as { code?: string })?.code ?? '';
  if (NETWORK.test(code)) return new ProxyError(502, `${label} unreachable: ${code}`);
  if ((e as { name?: unknown })?.name === 'AbortError') return new ProxyError(502, `${label}: the call was cut`);
  // anything else is the proxy's own failure to make the call (a bad header value, a string too long): not the network's
  const msg = (e as Error)?.message ?? String(e);
  return new ProxyError(500, `${label}: the proxy could not make the call (${code || msg})`, null, 'proxy_call_failed');
}
