/**
 * An error with an HTTP status that the proxy answers in the caller's protocol (its spec writes the body).
 * `param` names the offending field so a 400 says what to fix.
 */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    /** overrides the protocol's default type/code for the status */
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

export const badRequest = (message: string, param: string | null = null) => new ProxyError(400, message, param);

/** Reads the message out of an error body of either protocol (or plain text). */
export function upstreamErrorMessage(text: string): { message: string; type: string | null } {
  try {
    const j = JSON.parse(text);
    const e = j?.error ?? j;
    if (e && typeof e === 'object') {
      const message = typeof e.message === 'string' ? e.message : typeof j.message === 'string' ? j.message : JSON.stringify(e).slice(0, 500);
      const type = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : null;
      return { message, type };
    }
    if (typeof e === 'string') return { message: e, type: null };
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return { message: text.slice(0, 500) || 'upstream error', type: null };
}
