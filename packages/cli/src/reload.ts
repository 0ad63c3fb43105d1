import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { whenReturned, type CoreRequest, type CoreResponse, type Logger, type ModelReport, type Proxy } from '@ones-proxy/core';

/**
 * A proxy whose configuration can be replaced while it serves: a request is
 * served whole by the proxy current when it arrived; a replaced proxy is
 * closed (its upstream pools) once its last request, or stream, is over.
 */
export class SwappableProxy implements Proxy {
  private current: Proxy;
  private readonly inFlight = new Map<Proxy, number>();
  private readonly retired = new Set<Proxy>();

  constructor(first: Proxy) {
    this.current = first;
    this.inFlight.set(first, 0);
  }

  /** the proxy serving new requests */
  get now(): Proxy {
    return this.current;
  }

  /** New requests go to `next` from now on; the old one finishes its requests and is closed. */
  swap(next: Proxy): Promise<void> {
    const old = this.current;
    this.current = next;
    this.inFlight.set(next, 0);
    this.retired.add(old);
    return this.closeIfIdle(old);
  }

  private closeIfIdle(p: Proxy): Promise<void> {
    if (!this.retired.has(p) || (this.inFlight.get(p) ?? 0) > 0) return Promise.resolve();
    this.retired.delete(p);
    this.inFlight.delete(p);
    return p.close();
  }

  private done(p: Proxy): void {
    this.inFlight.set(p, (this.inFlight.get(p) ?? 1) - 1);
    void this.closeIfIdle(p);
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    const p = this.current;
    this.inFlight.set(p, (this.inFlight.get(p) ?? 0) + 1);
    let res: CoreResponse;
    try {
      res = await p.handle(req);
    } catch (e) {
      this.done(p);
      throw e;
    }
    if (!res.stream) {
      this.done(p);
      return res;
    }
    // a stream holds its proxy's pools until its consumer is done with it
    let over = false;
    res.stream = whenReturned(res.stream, () => {
      if (!over) {
        over = true;
        this.done(p);
      }
    });
    return res;
  }

  fetch(request: Request): Promise<Response> {
    return this.current.fetch(request);
  }
  ready(): Promise<void> {
    return this.current.ready();
  }
  storage() {
    return this.current.storage();
  }

  status() {
    return this.current.status();
  }
  health() {
    return this.current.health();
  }
  stats(): Promise<ModelReport[]> {
    return this.current.stats();
  }
  sessionCount() {
    return this.current.sessionCount();
  }
  matches(path: string): boolean {
    return this.current.matches(path);
  }
  get config() {
    return this.current.config;
  }
  get providers() {
    return this.current.providers;
  }
  use(): Proxy {
    throw new Error('add hooks to the proxies a reload builds (createProxy({ hooks })), not to the swappable one');
  }
  async close(): Promise<void> {
    const all = [this.current, ...this.retired];
    this.retired.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}

/**
 * Watches a config file: `onChange` runs once the file has been quiet for
 * `debounceMs`. The directory is watched, not the file, so an editor that
 * writes a new file and renames it over the old one is seen too.
 */
export function watchConfigFile(file: string, onChange: () => void, log: Logger, debounceMs = 150): () => void {
  const path = resolve(file);
  const name = basename(path);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, debounceMs);
    });
  } catch (e) {
    log.warn({ file, err: (e as Error).message }, 'config file cannot be watched: reload it with SIGHUP');
    return () => {};
  }
  watcher.on('error', (e) => log.warn({ file, err: e.message }, 'config file watch failed: reload it with SIGHUP'));
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
