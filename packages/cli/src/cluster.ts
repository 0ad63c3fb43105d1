import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from '@ones-proxy/core';

/** The original's rule: one worker with memory storage (state would be per worker), 2 × CPUs + 1 (at most 8) with redis. */
export function defaultWorkers(storage: 'memory' | 'redis'): number {
  return storage === 'redis' ? Math.min(2 * availableParallelism() + 1, 8) : 1;
}

/** What a worker tells the primary once it listens: its start-up line, said once for the whole cluster. */
export interface ListeningMessage {
  type: 'ones:listening';
  line: string;
  fields: Record<string, unknown>;
}

const isListening = (m: unknown): m is ListeningMessage => (m as { type?: unknown } | null)?.type === 'ones:listening';

/** Workers that died within this window count towards the restart backoff. */
const CRASH_WINDOW_MS = 60_000;
/** Longest the primary waits for its workers to drain after SIGTERM/SIGINT. */
const DRAIN_MS = 15_000;

/**
 * The primary of `WORKERS=N`: forks N workers that share the port
 * (node:cluster), says the start-up line once (with the worker count) when
 * the first worker listens, replaces a worker that dies (backing off so a
 * crash loop does not spin), passes SIGHUP on (every worker reloads), and on
 * SIGTERM/SIGINT lets every worker drain its requests, then exits 0.
 */
export function runPrimary(workers: number, log: Logger): void {
  let stopping = false;
  let announced = false;
  const deaths: number[] = [];

  const fork = (): Worker => {
    // the worker count, for the status page
    const w = cluster.fork({ ONES_WORKERS: String(workers) });
    w.on('message', (m: unknown) => {
      if (!isListening(m)) return;
      log.info({ worker: w.id, workerPid: w.process.pid }, 'worker ready');
      if (announced) return;
      announced = true;
      log.info({ ...m.fields, workers }, `${m.line}; ${workers} workers`);
    });
    return w;
  };

  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && deaths[0]! < now - CRASH_WINDOW_MS) deaths.shift();
    const delay = Math.min(30_000, 100 * 2 ** (deaths.length - 1));
    log.warn({ worker: w.id, workerPid: w.process.pid, code, signal, restartInMs: delay }, 'worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  for (let i = 0; i < workers; i++) fork();

  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, `${sig} received, letting ${workers} workers finish requests in flight`);
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    for (const w of alive) w.process.kill('SIGTERM');
    const deadline = setTimeout(() => process.exit(1), DRAIN_MS);
    deadline.unref();
    let left = alive.length;
    if (left === 0) process.exit(0);
    for (const w of alive)
      w.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // a reload: every worker reads the config file again
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, `SIGHUP received, ${workers} workers reloading the config file`);
    for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.process.kill('SIGHUP');
  });
}
