import type { CoreResponse } from './types.js';

/** Whether a chunk ends an SSE frame (a blank line), so a keep-alive may follow it. */
export function endsFrame(chunk: string | Uint8Array): boolean {
  const n = chunk.length;
  if (n < 2) return false;
  return typeof chunk === 'string' ? chunk.endsWith('\n\n') : chunk[n - 1] === 10 && chunk[n - 2] === 10;
}

export interface KeepAlive {
  /** call for every chunk written */
  wrote(chunk: string | Uint8Array): void;
  stop(): void;
}

const NONE: KeepAlive = { wrote: () => {}, stop: () => {} };

/**
 * One timer per stream, not per chunk: it writes the response's keep-alive
 * frame after a quiet period, only between frames. Nothing written yet counts
 * as quiet, so the first tick also sends the headers of a stream still
 * waiting for its first token.
 */
export function startKeepAlive(hb: CoreResponse['heartbeat'], write: (frame: string) => void): KeepAlive {
  if (!hb) return NONE;
  let lastWrite = 0;
  let atFrameEnd = true;
  const timer = setInterval(() => {
    if (atFrameEnd && Date.now() - lastWrite >= hb.everyMs - 5) {
      lastWrite = Date.now();
      write(hb.frame);
    }
  }, Math.max(10, Math.floor(hb.everyMs / 3)));
  return {
    wrote(chunk) {
      lastWrite = Date.now();
      atFrameEnd = endsFrame(chunk);
    },
    stop: () => clearInterval(timer),
  };
}
