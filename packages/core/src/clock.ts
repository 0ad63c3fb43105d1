import { performance } from 'node:perf_hooks';

/**
 * Milliseconds on the monotonic clock (performance.now()). The module's `performance` is bound once: the
 * global one is a lazy getter in Node that runs on every use, which cost as much again as the reading.
 */
export const clockMs = (): number => performance.now();
