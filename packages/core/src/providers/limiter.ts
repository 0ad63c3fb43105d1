import { ProxyError } from '../errors.js';
import { ClientAbort } from './abort.js';
import type { AbortSignalLike } from '../http/signal.js';

/**
 * Bounds concurrent upstream requests of one provider. Past `max`, callers
 * wait in a FIFO queue; past `maxQueue` waiting, they are refused at once with
 * a 429 that says when to retry, rather than piling up without bound.
 */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly max: number,
    private readonly maxQueue: number,
  ) {}

  /** Resolves when a slot is held; the caller must `release()` it exactly once. */
  acquire(signal?: AbortSignalLike): Promise<void> | undefined {
    if (this.active < this.max) {
      this.active++;
      return undefined; // no promise on the fast path
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new ProxyError(429, `${this.name}: too many concurrent requests, try again shortly`, null, 'provider_busy', { 'retry-after': '1' }));
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new ClientAbort());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
