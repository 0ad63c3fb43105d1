import type { Logger } from './logger.js';

/**
 * Masks configured secrets (token, provider keys, cookies) wherever text from
 * upstreams or errors could carry them: an upstream that echoes the key it
 * was sent must not leak it to clients or logs.
 */
export function makeRedactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}

/** A logger whose string fields and messages pass through the redactor. */
export function redactingLogger(log: Logger, redact: (text: string) => string): Logger {
  const clean = (obj: object): object => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = typeof v === 'string' ? redact(v) : v;
    return out;
  };
  const wrap = (fn: Logger['info']): Logger['info'] => (obj, msg) => fn.call(log, clean(obj), msg === undefined ? msg : redact(msg));
  return { debug: wrap(log.debug), info: wrap(log.info), warn: wrap(log.warn), error: wrap(log.error) };
}
