/**
 * What the proxy needs of an abort signal. A web AbortSignal is one; so is
 * ClientSignal, which the node adapter creates per request because an
 * AbortController costs several microseconds to build (measured: ~8 % of the
 * CPU of a trivial request) and almost never fires.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A one-shot abort flag with listeners; undici accepts it as a request's `signal`. */
export class ClientSignal implements AbortSignalLike {
  aborted = false;
  private listeners: (() => void)[] | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const ls = this.listeners;
    this.listeners = null;
    if (ls) for (const l of ls) l();
  }
}
